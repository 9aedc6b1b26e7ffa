#!/usr/bin/env python3
"""Differential test generator for the vmstate schema checker.

Generates random base structs, mutates them into a "new" release, and emits Rust crates with one
test per pair. Each test runs the checker both ways and migrates values both ways in both codecs,
writing one JSON line per direction to results/.
"""
import copy, json, os, random, sys

SCALARS = ['u8', 'u16', 'u32', 'u64', 'i32', 'bool', 'f32']
SIZE = {'u8': 1, 'u16': 2, 'u32': 4, 'u64': 8, 'i32': 4, 'bool': 1, 'f32': 4}
RANGE = {'u8': (0, 255), 'u16': (0, 65535), 'u32': (0, 2**32 - 1), 'u64': (0, 2**64 - 1),
         'i32': (-2**31, 2**31 - 1)}

_ids = [0]
def fresh():
    _ids[0] += 1
    return _ids[0]


class S:
    def __init__(self, name, version=1, minver=1, fields=None):
        self.name = name; self.version = version; self.minver = minver
        self.fields = fields or []
        self.sid = fresh()


class F:
    def __init__(self, name, ty, kind='m', since=None, default=False, sub=False):
        self.id = fresh(); self.name = name; self.ty = ty; self.kind = kind
        self.since = since; self.default = default; self.sub = sub
        self.exists = None      # None | ('ge', k) | ('le', k) | ('ne', k) | ('odd',)
        self.need_on = True     # subsection: whether `needed` returns true for value()
        self.gate = None        # subsection: id of the field `needed` reads


# Types: ('s', 'u8') | ('a', 'u8', n) | ('v', 'u8', maxlen) | ('str', maxlen) | ('n', S)
#        | ('rm', ty) | ('un', n)

def rand_scalar(rng):
    return rng.choice(SCALARS)


def rand_type(rng, depth=0, allow_nested=True):
    r = rng.random()
    if r < 0.55:
        return ('s', rand_scalar(rng))
    if r < 0.7:
        return ('a', rng.choice(['u8', 'u16', 'u32', 'bool', 'i32']), rng.randint(1, 4))
    if r < 0.8:
        return ('v', rng.choice(['u8', 'u32', 'u16']), rng.randint(1, 6))
    if r < 0.87:
        return ('str', rng.randint(1, 8))
    if allow_nested and depth < 2:
        return ('n', rand_struct(rng, depth + 1, 'inner%d' % fresh()))
    return ('s', rand_scalar(rng))


def rand_struct(rng, depth, name):
    s = S(name)
    for i in range(rng.randint(1, 4 if depth else 5)):
        s.fields.append(rand_field(rng, depth))
    if depth <= 2 and rng.random() < 0.15:
        s.fields.insert(rng.randint(0, len(s.fields)), make_sub(rng, s, depth + 1))
    return s


def rand_pred(rng, version):
    r = rng.random()
    k = rng.randint(1, max(1, version + 1))
    if r < 0.4: return ('ge', k)
    if r < 0.7: return ('le', k)
    if r < 0.85: return ('ne', k)
    return ('odd',)


def pred_eval(p, v):
    if p is None: return True
    if p[0] == 'ge': return v >= p[1]
    if p[0] == 'le': return v <= p[1]
    if p[0] == 'ne': return v != p[1]
    return v % 2 == 1


def pred_rust(p):
    if p[0] == 'ge': return 'version >= %d' % p[1]
    if p[0] == 'le': return 'version <= %d' % p[1]
    if p[0] == 'ne': return 'version != %d' % p[1]
    return 'version % 2 == 1'


def gate_cands(parent, subf):
    out = [f for f in parent.fields if f.ty[0] == 's' and f.ty[1] != 'f32' and not f.sub]
    out += [f for f in subf.ty[1].fields if f.ty[0] == 's' and f.ty[1] != 'f32' and not f.sub]
    return out


def make_sub(rng, parent, depth):
    inner = rand_struct(rng, depth, 'SUB%d' % fresh())
    for f in inner.fields:
        if f.kind == 'imm': f.kind = 'm'
    nf = F('sub%d' % fresh(), ('n', inner), sub=True)
    nf.need_on = rng.random() < 0.5
    c = gate_cands(parent, nf)
    nf.gate = rng.choice(c).id if c else None
    nf.default = rng.random() < 0.25
    return nf


def rand_name(rng):
    return rng.choice(['ctrl', 'status', 'mask', 'level', 'count', 'reg', 'data', 'cfg', 'limit',
                       'timer', 'irq', 'mode', 'flags', 'val', 'addr']) + str(fresh())


def simple(ty):
    return ty[0] in ('s', 'a')


def rand_field(rng, depth, allow_nested=True):
    ty = rand_type(rng, depth, allow_nested)
    f = F(rand_name(rng), ty)
    r = rng.random()
    if simple(ty):
        if r < 0.1:
            f.kind = 'imm'
        elif r < 0.17:
            f.kind = 'der'
        elif r < 0.22:
            f.kind = 'skip'
    elif ty[0] == 'str' and r < 0.15:
        f.kind = 'imm'
    if f.kind == 'm' and ty[0] != 'n' and rng.random() < 0.12:
        f.exists = rand_pred(rng, 3)
        f.default = rng.random() < 0.5
    return f


def wire_size(ty):
    if ty[0] == 's':
        return SIZE[ty[1]]
    if ty[0] == 'a':
        return SIZE[ty[1]] * ty[2]
    return None


# ---------------------------------------------------------------------------------------------
# Mutations (applied to `new`, a deep copy of the base; field ids are kept).

def all_structs(s, out=None):
    out = [] if out is None else out
    out.append(s)
    for f in s.fields:
        if f.ty[0] == 'n':
            all_structs(f.ty[1], out)
    return out


def pick_struct(rng, top):
    ss = all_structs(top)
    return rng.choice(ss) if rng.random() < 0.35 else top


def m_add(rng, top, log):
    s = pick_struct(rng, top)
    f = rand_field(rng, 1 if s is not top else 0, allow_nested=(s is top))
    pos = rng.randint(0, len(s.fields))
    v = rng.random()
    if v < 0.5 and f.kind == 'm':
        s.version += 1
        f.since = s.version
        f.default = rng.random() < 0.6 and value_of(f.ty, 0) is not None
        log.append('add %s:%s since=%d (version bump) at %d in %s%s' % (f.name, tystr(f.ty), f.since, pos, s.name, ' default' if f.default else ''))
    else:
        log.append('add %s:%s kind=%s at %d in %s' % (f.name, tystr(f.ty), f.kind, pos, s.name))
    s.fields.insert(pos, f)


def m_remove(rng, top, log):
    s = pick_struct(rng, top)
    if not s.fields:
        return
    i = rng.randrange(len(s.fields))
    f = s.fields[i]
    r = rng.random()
    if f.kind == 'm' and simple(f.ty) and not f.sub and r < 0.35:
        nf = F('_gone%d' % fresh(), ('rm', f.ty), since=f.since)
        s.fields[i] = nf
        log.append('replace %s with Removed<%s> in %s' % (f.name, tystr(f.ty), s.name))
    elif f.kind == 'm' and simple(f.ty) and not f.sub and r < 0.7:
        nf = F('_unused%d' % fresh(), ('un', wire_size(f.ty)), since=f.since)
        s.fields[i] = nf
        log.append('replace %s with Unused<%d> in %s' % (f.name, wire_size(f.ty), s.name))
    else:
        del s.fields[i]
        log.append('remove %s from %s' % (f.name, s.name))


def m_reorder(rng, top, log):
    s = pick_struct(rng, top)
    if len(s.fields) < 2:
        return
    i = rng.randrange(len(s.fields) - 1)
    j = i + 1 if rng.random() < 0.6 else rng.randrange(len(s.fields))
    if i == j:
        return
    s.fields[i], s.fields[j] = s.fields[j], s.fields[i]
    log.append('swap %s and %s in %s' % (s.fields[j].name, s.fields[i].name, s.name))


def m_rename(rng, top, log):
    s = pick_struct(rng, top)
    if not s.fields:
        return
    f = rng.choice(s.fields)
    old = f.name
    f.name = f.name + 'r'
    log.append('rename %s -> %s in %s' % (old, f.name, s.name))


def related_type(rng, ty):
    if ty[0] == 's':
        t = ty[1]
        choices = {
            'u8': ['u16', 'i32', 'bool', 'u32'], 'u16': ['u8', 'u32', 'i32'],
            'u32': ['u64', 'i32', 'f32', 'u16'], 'u64': ['u32', 'i32'],
            'i32': ['u32', 'f32', 'u64'], 'bool': ['u8', 'u16'], 'f32': ['u32', 'i32'],
        }[t]
        r = rng.random()
        if r < 0.7:
            return ('s', rng.choice(choices))
        if r < 0.85:
            return ('a', t if t in ('u8', 'u16', 'u32', 'bool', 'i32') else 'u32', 1)
        return ('a', t if t in ('u8', 'u16', 'u32', 'bool', 'i32') else 'u32', 2)
    if ty[0] == 'a':
        r = rng.random()
        if r < 0.4:
            return ('a', ty[1], max(1, ty[2] + rng.choice([-1, 1])))
        if r < 0.7:
            other = {'u8': 'u16', 'u16': 'u8', 'u32': 'i32', 'i32': 'u32', 'bool': 'u8'}[ty[1]]
            return ('a', other, ty[2])
        if r < 0.85 and ty[2] == 1:
            return ('s', ty[1])
        return ('v', ty[1] if ty[1] in ('u8', 'u16', 'u32') else 'u8', ty[2])
    if ty[0] == 'v':
        r = rng.random()
        if r < 0.5:
            return ('v', rng.choice([t for t in ('u8', 'u16', 'u32') if t != ty[1]]), ty[2])
        if r < 0.75 and ty[1] == 'u8':
            return ('str', ty[2])
        return ('a', ty[1], ty[2])
    if ty[0] == 'str':
        return ('v', 'u8', ty[1]) if rng.random() < 0.6 else ('a', 'u8', ty[1])
    return None


def m_retype(rng, top, log):
    s = pick_struct(rng, top)
    cands = [f for f in s.fields if f.ty[0] in ('s', 'a', 'v', 'str')]
    if not cands:
        return
    f = rng.choice(cands)
    nt = related_type(rng, f.ty)
    if nt is None:
        return
    if f.kind in ('der', 'skip') and not simple(nt):
        return
    if f.kind == 'imm' and nt[0] == 'v':
        return
    log.append('retype %s: %s -> %s in %s' % (f.name, tystr(f.ty), tystr(nt), s.name))
    f.ty = nt


def m_kind(rng, top, log):
    s = pick_struct(rng, top)
    cands = [f for f in s.fields if simple(f.ty) and not f.sub]
    if not cands:
        return
    f = rng.choice(cands)
    nk = rng.choice([k for k in ('m', 'imm', 'der', 'skip') if k != f.kind])
    log.append('kind %s: %s -> %s in %s' % (f.name, f.kind, nk, s.name))
    f.kind = nk
    if nk != 'm':
        f.since = None; f.default = False
    elif rng.random() < 0.5:
        s.version += 1
        f.since = s.version
        log[-1] += ' with since=%d (version bump)' % f.since


def m_since(rng, top, log):
    s = pick_struct(rng, top)
    cands = [f for f in s.fields if f.kind == 'm' and not f.sub and f.ty[0] not in ('rm', 'un')]
    if not cands:
        return
    f = rng.choice(cands)
    r = rng.random()
    if r < 0.6 or f.since is None:
        s.version += 1
        f.since = s.version
        f.default = rng.random() < 0.5
        log.append('since=%d on existing %s (version bump) in %s%s' % (f.since, f.name, s.name, ' default' if f.default else ''))
    else:
        f.since = None; f.default = False
        log.append('drop since on %s in %s' % (f.name, s.name))


def m_version(rng, top, log):
    s = pick_struct(rng, top)
    r = rng.random()
    if r < 0.5:
        s.version += 1
        log.append('version bump of %s to %d' % (s.name, s.version))
    elif r < 0.8:
        s.version += 1
        s.minver = s.version
        log.append('version and minimum_version of %s to %d' % (s.name, s.version))
    else:
        if s.version > 1:
            s.version -= 1
            s.minver = min(s.minver, s.version)
            for f in s.fields:
                if f.since and f.since > s.version:
                    f.since = s.version if s.version > 1 else None
                    if not f.since: f.default = False
            log.append('version of %s lowered to %d' % (s.name, s.version))


def m_nest(rng, top, log):
    s = top
    idx = [i for i, f in enumerate(s.fields) if not f.sub]
    if len(idx) < 1:
        return
    i = rng.choice(idx)
    j = i
    while j + 1 < len(s.fields) and not s.fields[j + 1].sub and rng.random() < 0.5:
        j += 1
    moved = s.fields[i:j + 1]
    if any(f.ty[0] == 'n' for f in moved):
        # keep nesting depth bounded
        return
    inner = S('grp%d' % fresh())
    inner.fields = moved
    nf = F('grp%d' % fresh(), ('n', inner))
    s.fields[i:j + 1] = [nf]
    log.append('move %s into nested struct %s (%s)' % (','.join(f.name for f in moved), nf.name, inner.name))


def m_unnest(rng, top, log):
    cands = [(i, f) for i, f in enumerate(top.fields) if f.ty[0] == 'n' and not f.sub and f.kind == 'm']
    if not cands:
        return
    i, f = rng.choice(cands)
    top.fields[i:i + 1] = f.ty[1].fields
    log.append('flatten nested %s into %s' % (f.name, top.name))


def m_wrap(rng, top, log):
    """A value wrapped in a struct under its own name (`lcr: u8` into `lcr: Lcr { lcr: u8 }`)."""
    cands = [(i, f) for i, f in enumerate(top.fields)
             if f.kind == 'm' and not f.sub and f.ty[0] in ('s', 'a')]
    if not cands:
        return
    i, f = rng.choice(cands)
    inner = S('grp%d' % fresh())
    inner.fields = [f]
    nf = F(f.name, ('n', inner), since=f.since, default=False)
    nf.exists, f.exists = f.exists, None
    f.since, f.default = None, False
    top.fields[i] = nf
    log.append('wrap %s in nested struct %s of its name' % (f.name, inner.name))


def m_unwrap(rng, top, log):
    """A nested struct of one value turned into that value under the struct's name."""
    cands = [(i, f) for i, f in enumerate(top.fields)
             if f.ty[0] == 'n' and not f.sub and f.kind == 'm' and len(f.ty[1].fields) == 1
             and f.ty[1].fields[0].kind == 'm' and f.ty[1].fields[0].ty[0] in ('s', 'a')]
    if not cands:
        return
    i, f = rng.choice(cands)
    inner = f.ty[1].fields[0]
    inner.name, inner.since, inner.default, inner.exists = f.name, f.since, False, f.exists
    top.fields[i] = inner
    log.append('unwrap nested %s into its value' % f.name)


def m_subsection(rng, top, log):
    ss = all_structs(top)
    s = top if rng.random() < 0.6 else rng.choice(ss)
    r = rng.random()
    subs = [(st, f) for st in ss for f in st.fields if f.sub]
    if r < 0.35 or not subs:
        if r < 0.7:
            depth = 1 if s is top else 2
            nf = make_sub(rng, s, depth)
            pos = rng.randint(0, len(s.fields))
            s.fields.insert(pos, nf)
            log.append('add subsection %s at %d in %s (needed=%s)' % (nf.name, pos, s.name, nf.need_on))
        else:
            cands = [f for f in s.fields if f.ty[0] == 'n' and not f.sub
                     and not any(g.kind == 'imm' for g in f.ty[1].fields)]
            if cands:
                f = rng.choice(cands)
                f.sub = True
                f.ty[1].name = 'SUB%d' % fresh()
                f.since = None; f.default = False; f.exists = None
                f.need_on = rng.random() < 0.5
                c = gate_cands(s, f)
                f.gate = rng.choice(c).id if c else None
                log.append('nested %s becomes a subsection in %s' % (f.name, s.name))
    else:
        st, f = rng.choice(subs)
        q = rng.random()
        if q < 0.3:
            st.fields.remove(f)
            log.append('remove subsection %s from %s' % (f.name, st.name))
        elif q < 0.45:
            old = f.ty[1].name
            f.ty[1].name = 'SUB%d' % fresh()
            log.append('rename subsection description %s -> %s' % (old, f.ty[1].name))
        elif q < 0.55:
            f.default = not f.default
            log.append('subsection %s default %s' % (f.name, 'added' if f.default else 'dropped'))
        elif q < 0.65:
            f.sub = False
            f.ty[1].name = 'inner%d' % fresh()
            log.append('subsection %s becomes a plain nested struct' % f.name)
        else:
            m = rng.choice([m_add, m_remove, m_retype, m_reorder, m_version, m_exists, m_since])
            n0 = len(log)
            m(rng, f.ty[1], log)
            if len(log) > n0:
                log[-1] += ' (inside subsection %s)' % f.name


def m_need(rng, top, log):
    subs = [(st, f) for st in all_structs(top) for f in st.fields if f.sub]
    if not subs:
        return
    st, f = rng.choice(subs)
    if rng.random() < 0.6:
        f.need_on = not f.need_on
        log.append('needed of %s now %s for the values' % (f.name, f.need_on))
    else:
        c = gate_cands(st, f)
        if c:
            f.gate = rng.choice(c).id
            log.append('needed of %s reads another field' % f.name)


def m_exists(rng, top, log):
    s = pick_struct(rng, top)
    r = rng.random()
    if r < 0.35:
        f = rand_field(rng, 1 if s is not top else 0, allow_nested=False)
        if f.kind != 'm':
            return
        if rng.random() < 0.5:
            s.version += 1
        f.exists = rand_pred(rng, s.version)
        f.default = rng.random() < 0.5
        pos = rng.randint(0, len(s.fields))
        s.fields.insert(pos, f)
        log.append('add %s:%s exists=%s at %d in %s (version %d)%s' % (f.name, tystr(f.ty), pred_rust(f.exists), pos, s.name, s.version, ' default' if f.default else ''))
        return
    cands = [f for f in s.fields if f.kind == 'm' and not f.sub and f.ty[0] not in ('rm', 'un', 'n')]
    if not cands:
        return
    f = rng.choice(cands)
    if f.exists is None or r < 0.6:
        if rng.random() < 0.5:
            s.version += 1
        f.exists = rand_pred(rng, s.version)
        f.default = rng.random() < 0.5
        log.append('exists=%s on %s in %s (version %d)%s' % (pred_rust(f.exists), f.name, s.name, s.version, ' default' if f.default else ''))
    elif r < 0.85:
        f.exists = rand_pred(rng, s.version)
        log.append('exists of %s changed to %s in %s' % (f.name, pred_rust(f.exists), s.name))
    else:
        f.exists = None
        log.append('exists dropped on %s in %s' % (f.name, s.name))


def m_maxlen(rng, top, log):
    cands = [(s, f) for s in all_structs(top) for f in s.fields if f.ty[0] in ('v', 'str')]
    if not cands:
        return
    s, f = rng.choice(cands)
    n = f.ty[-1]
    nn = max(1, n + rng.choice([-2, -1, 1, 3]))
    if nn == n:
        return
    f.ty = f.ty[:-1] + (nn,)
    log.append('max_len of %s: %d -> %d' % (f.name, n, nn))


def m_rename_struct(rng, top, log):
    s = pick_struct(rng, top)
    old = s.name
    if s is top:
        s.name = s.name + 'x'
    else:
        s.name = s.name + 'x' if not s.name.startswith('SUB') else 'SUB%d' % fresh()
    log.append('rename description %s -> %s' % (old, s.name))


MUTATIONS = [(m_add, 3), (m_remove, 3), (m_reorder, 2), (m_rename, 1), (m_retype, 3), (m_kind, 2),
             (m_since, 1.5), (m_version, 1.5), (m_nest, 1.2), (m_unnest, 0.8), (m_wrap, 0.8), (m_unwrap, 0.8), (m_subsection, 2),
             (m_maxlen, 1.5), (m_rename_struct, 0.7),
             (m_need, 1.0), (m_exists, 2.0)]


def mutate(rng, base):
    new = copy.deepcopy(base)
    log = []
    n = rng.choice([1, 1, 1, 2, 2, 3])
    tries = 0
    while len(log) < n and tries < 20:
        tries += 1
        ms, ws = zip(*MUTATIONS)
        m = rng.choices(ms, ws)[0]
        m(rng, new, log)
    normalize(new)
    return new, log


def holds_config(st):
    """Whether a struct's load keeps configuration of the destination's: an immutable field,
    in it or in a nested struct it loads (the derive refuses a `default` replacing one)."""
    return any(f.kind == 'imm' or (f.kind == 'm' and f.ty[0] == 'n' and holds_config(f.ty[1]))
               for f in st.fields)


def normalize(top):
    for s in all_structs(top):
        for f in s.fields:
            if f.sub:
                f.since = None; f.exists = None
                if holds_config(f.ty[1]):
                    f.default = False
                continue
            if f.kind != 'm' or f.ty[0] in ('rm', 'un', 'n'):
                if f.ty[0] not in ('rm', 'un', 'n'):
                    f.since = None
                f.default = False; f.exists = None
            if f.since and f.since > s.version:
                s.version = f.since
            if f.default and ((not f.since and not f.exists) or value_of(f.ty, 0) is None):
                f.default = False
        s.minver = max(1, min(s.minver, s.version))
        # The derive refuses a `default` that never applies: `since` at or below
        # `minimum_version` (every stream it loads carries the field), unless `exists` decides.
        for f in s.fields:
            if f.default and not f.sub and not f.exists and f.since and f.since <= s.minver:
                f.default = False


def tystr(ty):
    k = ty[0]
    if k == 's': return ty[1]
    if k == 'a': return '[%s; %d]' % (ty[1], ty[2])
    if k == 'v': return 'Vec<%s>(max %d)' % (ty[1], ty[2])
    if k == 'str': return 'String(max %d)' % ty[1]
    if k == 'n': return ty[1].name
    if k == 'rm': return 'Removed<%s>' % tystr(ty[1])
    if k == 'un': return 'Unused<%d>' % ty[1]


# ---------------------------------------------------------------------------------------------
# Values

def int_value(t, fid, k=0):
    h = (fid * 2654435761 + k * 40503 + 12345) & 0xffffffffffff
    if t == 'u8': return 0x80 | (h % 0x7f) | 1
    if t == 'u16': return 0x8000 | (h % 0x7fff) | 1
    if t == 'u32': return 0x80000000 | (h % 0x7fffffff) | 1
    if t == 'u64': return 0x8000000000000000 | (h % 0x7fffffffffff) | 1
    if t == 'i32': return -(0x40000000 + h % 0x3fffffff)


def scalar_value(t, fid, k=0):
    if t == 'bool': return True
    if t == 'f32': return 1.5 + (fid % 100) + k
    return int_value(t, fid, k)


def value_of(ty, fid):
    k = ty[0]
    if k == 's': return scalar_value(ty[1], fid)
    if k == 'a': return [scalar_value(ty[1], fid, i + 1) for i in range(ty[2])]
    if k == 'v': return [scalar_value(ty[1], fid, i + 1) for i in range(ty[2])]
    if k == 'str': return ''.join(chr(ord('a') + (fid + i) % 26) for i in range(ty[1]))
    return None


def lit_scalar(t, v):
    if t == 'bool': return 'true' if v else 'false'
    if t == 'f32': return '%r_f32' % float(v)
    return '%d_%s' % (v, t) if v >= 0 else '(%d_%s)' % (v, t)


def lit(ty, v):
    k = ty[0]
    if k == 's': return lit_scalar(ty[1], v)
    if k == 'a': return '[%s]' % ', '.join(lit_scalar(ty[1], x) for x in v)
    if k == 'v': return 'vec![%s]' % ', '.join(lit_scalar(ty[1], x) for x in v)
    if k == 'str': return 'String::from(%s)' % json.dumps(v)


def convert(src_ty, v, dst_ty):
    """The value `v` of `src_ty` as a value of `dst_ty`, when it keeps its meaning; else None."""
    if src_ty == dst_ty:
        return v
    def conv_scalar(st, x, dt):
        if st == dt: return x
        # A bool travels as the byte 0 or 1 (the checker takes bool and a byte-wide integer
        # for each other).
        if st == 'bool' and dt in RANGE: return int(x)
        if st in RANGE and dt == 'bool': return bool(x) if x in (0, 1) else None
        if st in RANGE and dt in RANGE:
            lo, hi = RANGE[dt]
            return x if lo <= x <= hi else None
        return None
    if src_ty[0] == 's' and dst_ty[0] == 's':
        return conv_scalar(src_ty[1], v, dst_ty[1])
    if src_ty[0] == 'a' and dst_ty[0] == 'a' and src_ty[2] == dst_ty[2]:
        out = [conv_scalar(src_ty[1], x, dst_ty[1]) for x in v]
        return None if None in out else out
    if src_ty[0] == 'str' and dst_ty[0] == 'str':
        return v if len(v) <= dst_ty[1] else None
    return None


# ---------------------------------------------------------------------------------------------
# Rust emission

def rust_type(ty, names):
    k = ty[0]
    if k == 's': return ty[1]
    if k == 'a': return '[%s; %d]' % (ty[1], ty[2])
    if k == 'v': return 'Vec<%s>' % ty[1]
    if k == 'str': return 'String'
    if k == 'n': return names[id(ty[1])]
    if k == 'rm': return 'vmstate_core::Removed<%s>' % rust_type(ty[1], names)
    if k == 'un': return 'vmstate_core::Unused<%d>' % ty[1]


def full_names(top):
    """Descriptions' names: subsections named `parent/xxx`."""
    out = {}
    def walk(s, name):
        out[id(s)] = name
        for f in s.fields:
            if f.ty[0] == 'n':
                inner = f.ty[1]
                if f.sub:
                    walk(inner, name + '/' + inner.name.lower())
                else:
                    walk(inner, inner.name)
    walk(top, top.name)
    return out


def emit_module(modname, top):
    names = {}
    structs = all_structs(top)
    for i, s in enumerate(structs):
        names[id(s)] = 'Dev' if s is top else 'T%d' % i
    descnames = full_names(top)
    out = ['pub mod %s {' % modname, '#![allow(dead_code, non_snake_case, unused_imports)]',
           'use vmstate_core::VmState;']
    for s in structs:
        attrs = ['name = "%s"' % descnames[id(s)], 'version = %d' % s.version,
                 'minimum_version = %d' % s.minver]
        out.append('#[derive(VmState, Default)]')
        out.append('#[vmstate(%s)]' % ', '.join(attrs))
        out.append('pub struct %s {' % names[id(s)])
        impls = []
        for f in s.fields:
            fa = []
            if f.kind == 'imm': fa.append('immutable')
            if f.kind == 'der': fa.append('derived = "Self::recompute"')
            if f.kind == 'skip': fa.append('skip')
            if f.ty[0] in ('v', 'str'): fa.append('max_len = %d' % f.ty[-1])
            if f.since: fa.append('since = %d' % f.since)
            if f.exists:
                fa.append('exists = "Self::ex_%s"' % f.name)
                impls.append('fn ex_%s(&self, version: u32) -> bool { %s }' % (f.name, pred_rust(f.exists)))
            if f.default and (f.since or f.exists) and not f.sub:
                fa.append('default = "Self::dflt_%s"' % f.name)
                dv = value_of(f.ty, f.id + 7777)
                impls.append('pub fn dflt_%s() -> %s { %s }' % (f.name, rust_type(f.ty, names), lit(f.ty, dv)))
            if f.sub:
                fa.append('subsection, needed = "Self::need_%s"' % f.name)
                impls.append('fn need_%s(&self) -> bool { %s }' % (f.name, need_expr(s, f)))
                if f.default:
                    fa.append('default = "Self::dflt_%s"' % f.name)
                    impls.append('pub fn dflt_%s() -> %s { %s }' % (f.name, rust_type(f.ty, names), value_expr(f.ty[1], names, 7777)))
            if fa:
                out.append('    #[vmstate(%s)]' % ', '.join(fa))
            out.append('    pub %s: %s,' % (f.name, rust_type(f.ty, names)))
        out.append('}')
        impls.append('fn recompute(&mut self) {}')
        out.append('impl %s { %s }' % (names[id(s)], '\n  '.join(impls)))
    # value constructor
    out.append('pub fn value() -> Dev { %s }' % value_expr(top, names))
    out.append('}')
    return '\n'.join(out), names


def need_expr(parent, sf):
    """`needed`'s body: reads the gate field; returns sf.need_on for value()."""
    g = None
    for f in parent.fields:
        if f.id == sf.gate and not f.sub: g = ('self.' + f.name, f)
    for f in sf.ty[1].fields:
        if f.id == sf.gate and not f.sub: g = ('self.%s.%s' % (sf.name, f.name), f)
    if g is None or g[1].ty[0] != 's' or g[1].ty[1] == 'f32':
        return 'true' if sf.need_on else 'false'
    path, f = g
    if f.ty[1] == 'bool':
        return path if sf.need_on else '!' + path
    return '%s %s %s' % (path, '==' if sf.need_on else '!=', lit(f.ty, value_of(f.ty, f.id)))


def value_expr(s, names, off=0):
    parts = []
    for f in s.fields:
        if f.ty[0] == 'n':
            e = value_expr(f.ty[1], names, off)
        elif f.ty[0] in ('rm', 'un'):
            e = 'Default::default()'
        else:
            e = lit(f.ty, value_of(f.ty, f.id + off))
        parts.append('%s: %s' % (f.name, e))
    return '%s { %s }' % (names[id(s)], ', '.join(parts))


def index(top):
    """id -> (path tuple of names, field, kind chain ok) for every field."""
    out = {}
    def walk(s, prefix, migrated_chain, sent):
        for f in s.fields:
            path = prefix + (f.name,)
            fsent = sent and pred_eval(f.exists, s.version) and (f.need_on if f.sub else True)
            out[f.id] = (path, f, migrated_chain, fsent)
            if f.ty[0] == 'n':
                walk(f.ty[1], path, migrated_chain and f.kind == 'm', fsent)
    walk(top, (), True, True)
    return out


def cmp_fn(fname, src_mod, src, dst_mod, dst):
    si, di = index(src), index(dst)
    lines = ['pub fn %s(s: &%s::Dev, d: &%s::Dev) -> Vec<String> {' % (fname, src_mod, dst_mod),
             '    let mut v = Vec::new();']
    for fid, (sp, sf, schain, ssent) in si.items():
        if fid not in di or not ssent:
            continue
        dp, df, dchain, _ = di[fid]
        if not (schain and dchain and sf.kind == 'm' and df.kind == 'm'):
            continue
        if sf.ty[0] in ('n', 'rm', 'un') or df.ty[0] in ('n', 'rm', 'un'):
            continue
        se = 's.' + '.'.join(sp); de = 'd.' + '.'.join(dp)
        label = '.'.join(sp) + ('' if sp == dp else ' -> ' + '.'.join(dp))
        lines.append('    { let (a, b) = (R::r(&%s), R::r(&%s)); if super::norm(&a) != super::norm(&b) { v.push(format!("%s: sent {} got {}", a, b)); } }' % (se, de, label))
    lines.append('    v')
    lines.append('}')
    return '\n'.join(lines)


def dst_fn(fname, src, dst_mod, dst, dnames):
    """Default destination, immutable fields set to the source's values where they convert."""
    si, di = index(src), index(dst)
    lines = ['pub fn %s() -> %s::Dev {' % (fname, dst_mod),
             '    #[allow(unused_mut)] let mut d = %s::Dev::default();' % dst_mod]
    for fid, (dp, df, _, _) in di.items():
        if df.kind != 'imm' or fid not in si:
            continue
        sp, sf, _, _ = si[fid]
        if sf.kind != 'imm':
            continue
        v = convert(sf.ty, value_of(sf.ty, sf.id), df.ty)
        if v is None:
            continue
        lines.append('    d.%s = %s;' % ('.'.join(dp), lit(df.ty, v)))
    lines.append('    d')
    lines.append('}')
    return '\n'.join(lines)


def describe(s, indent=''):
    out = ['%s#[vmstate(name="%s", version=%d, minimum_version=%d)] struct {' % (indent, s.name, s.version, s.minver)]
    for f in s.fields:
        attrs = []
        if f.kind != 'm': attrs.append({'imm': 'immutable', 'der': 'derived', 'skip': 'skip'}[f.kind])
        if f.since: attrs.append('since=%d' % f.since)
        if f.exists: attrs.append('exists=|v| %s' % pred_rust(f.exists).replace('version', 'v'))
        if f.default: attrs.append('default')
        if f.sub: attrs.append('subsection, needed=%s' % need_expr(s, f).replace('self.', ''))
        a = ('#[%s] ' % ','.join(attrs)) if attrs else ''
        if f.ty[0] == 'n':
            out.append('%s  %s%s: %s' % (indent, a, f.name, describe(f.ty[1], indent + '  ').lstrip()))
        else:
            out.append('%s  %s%s: %s,' % (indent, a, f.name, tystr(f.ty)))
    out.append(indent + '}')
    return '\n'.join(out)


def gen_pair(rng):
    base = S('dev')
    for i in range(rng.randint(2, 6)):
        base.fields.append(rand_field(rng, 0))
    if rng.random() < 0.4:
        base.fields.insert(rng.randint(0, len(base.fields)), make_sub(rng, base, 1))
    if rng.random() < 0.3:
        base.version = rng.randint(1, 3)
        base.minver = rng.randint(1, base.version)
        if base.version > 1:
            for f in base.fields:
                if f.kind == 'm' and not f.sub and f.ty[0] != 'n' and rng.random() < 0.3:
                    f.since = rng.randint(2, base.version)
                    f.default = rng.random() < 0.5
    normalize(base)
    new, log = mutate(rng, base)
    return base, new, log


def emit_crate(crate_dir, pairs, crate_name):
    os.makedirs(os.path.join(crate_dir, 'src'), exist_ok=True)
    os.makedirs(os.path.join(crate_dir, 'tests'), exist_ok=True)
    with open(os.path.join(crate_dir, 'Cargo.toml'), 'w') as fh:
        fh.write('''[package]
name = "%s"
version = "0.1.0"
edition = "2021"

[dependencies]
vmstate-core = { path = "%s" }

[workspace]
''' % (crate_name, CORE))
    with open(os.path.join(HERE, 'harness.rs')) as fh:
        harness = fh.read()
    body = [harness]
    meta = {}
    for pid, (old, new, log) in pairs:
        m = 'p%04d' % pid
        a_src, a_names = emit_module('a', old)
        b_src, b_names = emit_module('b', new)
        body.append('pub mod %s {' % m)
        body.append('#![allow(unused_imports)]')
        body.append('use super::R;')
        body.append(a_src)
        body.append(b_src)
        body.append(cmp_fn('cmp_ab', 'a', old, 'b', new))
        body.append(cmp_fn('cmp_ba', 'b', new, 'a', old))
        body.append(dst_fn('dst_ab', old, 'b', new, b_names))
        body.append(dst_fn('dst_ba', new, 'a', old, a_names))
        body.append(dst_fn('dst_aa', old, 'a', old, a_names))
        body.append(cmp_fn('cmp_aa', 'a', old, 'a', old))
        body.append('#[test] fn t() {')
        body.append('  super::run::<a::Dev, b::Dev>("%s", "a->b", &a::value(), dst_ab, cmp_ab);' % m)
        body.append('  super::run::<b::Dev, a::Dev>("%s", "b->a", &b::value(), dst_ba, cmp_ba);' % m)
        body.append('  super::run::<a::Dev, a::Dev>("%s", "a->a", &a::value(), dst_aa, cmp_aa);' % m)
        body.append('}')
        body.append('}')
        def unsent(t):
            return sorted(set(x for _, (pth, f, _, sent) in index(t).items() if not sent
                              for x in [f.name] + ([f.ty[1].name.lower()] if f.ty[0] == 'n' else [])))
        meta[m] = {'log': log, 'old': describe(old), 'new': describe(new),
                   'unsent_old': unsent(old), 'unsent_new': unsent(new)}
    with open(os.path.join(crate_dir, 'src', 'lib.rs'), 'w') as fh:
        fh.write('\n'.join(body) + '\n')
    with open(os.path.join(crate_dir, 'meta.json'), 'w') as fh:
        json.dump(meta, fh, indent=1)


HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(HERE, '..', '..', 'vmstate-core')


def main():
    """gen.py SEED COUNT CRATE_DIR FIRST_PAIR_NUMBER"""
    seed = int(sys.argv[1]); count = int(sys.argv[2]); crate = sys.argv[3]; first = int(sys.argv[4])
    rng = random.Random(seed)
    _ids[0] = seed * 100000
    pairs = []
    for k in range(count):
        pairs.append((first + k, gen_pair(rng)))
    emit_crate(crate, pairs, os.path.basename(crate.rstrip('/')))


if __name__ == '__main__':
    main()
