import json, glob, os, sys, collections

# analyze.py WORK_DIR [FN|FP|all]: tallies the results of run.sh.
WORK = sys.argv.pop(1)
res = collections.defaultdict(dict)
for p in glob.glob(os.path.join(WORK, 'results', '*.json')):
    d = json.loads(open(p).read())
    res[d['pair']][d['dir']] = d
meta = {}
for m in glob.glob(os.path.join(WORK, 'c*', 'meta.json')):
    crate = m.split('/')[-2]
    for k, v in json.load(open(m)).items():
        meta[k] = v
def bad(d):
    return d['native'] is not None or d['qemu'] is not None or d['native_mis'] or d['qemu_mis']
stats = collections.Counter()
out = []
for pair in sorted(res):
    for dr, d in sorted(res[pair].items()):
        if dr == 'a->a':
            if bad(d) or d['errors']:
                stats['selfbad'] += 1; out.append(('SELF', pair, dr, d))
            continue
        err = d['errors'] > 0
        b = bool(bad(d))
        if err == b: stats['agree'] += 1
        elif b and d['findings']: stats['warned'] += 1; out.append(('warned', pair, dr, d))
        elif b: stats['FN'] += 1; out.append(('FN', pair, dr, d))
        else: stats['FP'] += 1; out.append(('FP', pair, dr, d))
# FN: no finding, yet a load failed or changed a value (the kind that must not happen);
# warned: only a warning; FP: an error, yet every load worked (renames are flagged by design).
print(dict(stats), 'pairs', len(res))
if stats['FN'] or stats['selfbad']:
    status = 1
else:
    status = 0
if len(sys.argv) > 1:
    for kind, pair, dr, d in out:
        if sys.argv[1] != 'all' and kind != sys.argv[1]: continue
        m = meta.get(pair, {})
        print('=====', kind, pair, dr, m.get('log'))
        print('OLD:', m.get('old')); print('NEW:', m.get('new'))
        for f in d['findings']: print('  ', f['sev'], f['rule'], f['path'], '--', f['msg'][:300])
        print('  native:', d['native'], d['native_mis']); print('  qemu:', d['qemu'], d['qemu_mis'])
sys.exit(status)
