//! The `ram` section's records (pages, block lists, compressed and XBZRLE pages) and the
//! `dirty-bitmap` section's chunks, walked to their ends as QEMU's loaders read them.

use super::{fmt_err, shown, Reader, Stream};
use crate::error::{Error, ErrorKind};
use std::collections::HashMap;

/// RAM section record flags (the low bits of each be64 address word).
mod ram_flag {
    pub const ZERO: u64 = 0x02;
    pub const MEM_SIZE: u64 = 0x04;
    pub const PAGE: u64 = 0x08;
    pub const EOS: u64 = 0x10;
    pub const CONTINUE: u64 = 0x20;
    pub const XBZRLE: u64 = 0x40;
    pub const HOOK: u64 = 0x80;
    pub const COMPRESS_PAGE: u64 = 0x100;
    pub const MULTIFD_FLUSH: u64 = 0x200;
    /// Flags live below the smallest target page (1 KiB).
    pub const MASK: u64 = 0x3ff;
}

/// The RAM blocks a `ram` section announced (id to used length) and the block the last
/// page record named (id and length), for the next `CONTINUE` records. Looked up by id: a
/// hostile stream may announce many.
#[derive(Default)]
pub(super) struct RamBlocks {
    blocks: HashMap<String, u64>,
    last: Option<(String, u64)>,
}

impl Stream {
    /// Walks a `ram` section's records to its end-of-section flag, checking them as QEMU's
    /// `ram_load` does: one record kind per record, pages inside a known block.
    pub(super) fn walk_ram(
        &self,
        r: &mut Reader,
        ignore_shared: Option<bool>,
        ram: &mut RamBlocks,
    ) -> Result<(), Error> {
        loop {
            let at = r.cur.pos;
            let word = r.be64("ram record")?;
            let flags = word & ram_flag::MASK;
            let addr = word & !ram_flag::MASK;
            if flags & ram_flag::HOOK != 0 {
                return Err(fmt_err(
                    format!("ram record flags {flags:#x}: RDMA hooks are not supported"),
                    at,
                ));
            }
            match flags & !ram_flag::CONTINUE {
                ram_flag::MEM_SIZE => {
                    let start = r.cur.pos;
                    let list = match ignore_shared {
                        Some(addresses) => block_list(r, addr, addresses),
                        // Unknown: the list without addresses (QEMU's default), else with
                        // them, whichever reads it whole up to the end of the setup (with
                        // one block, both add up).
                        None => block_list(r, addr, false)
                            .and_then(|list| ends_setup(r, list))
                            .or_else(|without| {
                                r.cur.pos = start;
                                block_list(r, addr, true)
                                    .and_then(|list| ends_setup(r, list))
                                    .map_err(|_| without)
                            }),
                    };
                    ram.blocks.extend(list?);
                }
                ram_flag::ZERO | ram_flag::PAGE | ram_flag::COMPRESS_PAGE | ram_flag::XBZRLE => {
                    if flags & ram_flag::CONTINUE == 0 {
                        let id_at = r.cur.pos;
                        let id = r.short_str("ram block id")?;
                        let Some(&len) = ram.blocks.get(&id) else {
                            return Err(fmt_err(
                                format!("ram page for unknown block `{}`", shown(&id)),
                                id_at,
                            ));
                        };
                        ram.last = Some((id, len));
                    }
                    let Some((id, len)) = &ram.last else {
                        return Err(fmt_err(
                            "ram page continues a block, but none was named".into(),
                            at,
                        ));
                    };
                    let page = self.page_size.max(1);
                    if addr.checked_add(page).is_none_or(|end| end > *len) {
                        return Err(fmt_err(
                            format!(
                                "ram page at offset {addr:#x} is outside block `{}` ({len:#x} bytes)",
                                shown(id)
                            ),
                            at,
                        ));
                    }
                    if flags & ram_flag::ZERO != 0 {
                        r.u8("ram zero-page fill")?;
                        continue;
                    }
                    if self.page_size == 0 {
                        return Err(fmt_err(
                            "ram page: the page size is unknown: the vmdesc trailer has no `page_size`".into(),
                            at,
                        ));
                    }
                    if flags & ram_flag::PAGE != 0 {
                        r.take(self.page_size as usize, "ram page")?;
                    } else if flags & ram_flag::COMPRESS_PAGE != 0 {
                        // zlib data (the `compress` capability), bounded as QEMU bounds it.
                        let len = u64::from(r.be32("ram compressed page length")?);
                        let bound = zlib_compress_bound(self.page_size);
                        if len > bound {
                            return Err(fmt_err(
                                format!("ram compressed page of {len} bytes (at most {bound} for a {}-byte page)", self.page_size),
                                at,
                            ));
                        }
                        r.take(len as usize, "ram compressed page")?;
                    } else {
                        // An XBZRLE delta against the page sent before (`xbzrle` capability).
                        let encoding = r.u8("ram xbzrle encoding")?;
                        if encoding != XBZRLE_ENCODING {
                            return Err(fmt_err(
                                format!("ram xbzrle page with encoding {encoding:#04x} (QEMU knows only 0x01)"),
                                at,
                            ));
                        }
                        let len = u64::from(r.be16("ram xbzrle length")?);
                        if len > self.page_size {
                            return Err(fmt_err(
                                format!(
                                    "ram xbzrle page of {len} bytes, more than a {}-byte page",
                                    self.page_size
                                ),
                                at,
                            ));
                        }
                        r.take(len as usize, "ram xbzrle page")?;
                    }
                }
                ram_flag::MULTIFD_FLUSH => {} // no payload
                ram_flag::EOS => return Ok(()),
                other => {
                    return Err(fmt_err(
                        format!("unknown combination of ram record flags {other:#x}"),
                        at,
                    ))
                }
            }
        }
    }
}

/// Flags of a `dirty-bitmap` chunk (QEMU's `migration/block-dirty-bitmap.c`).
mod bitmap_flag {
    pub const EOS: u32 = 0x01;
    pub const ZEROES: u32 = 0x02;
    pub const BITMAP_NAME: u32 = 0x04;
    pub const DEVICE_NAME: u32 = 0x08;
    pub const START: u32 = 0x10;
    pub const COMPLETE: u32 = 0x20;
    pub const BITS: u32 = 0x40;
    /// In the first (and second) byte: the flags take two (four) bytes.
    pub const EXTRA: u32 = 0x80;
}

/// The largest run of bitmap bits QEMU reads (ten of its 1 KiB chunks).
const MAX_BITMAP_CHUNK: u64 = 10 * 1024;

/// Walks a `dirty-bitmap` section's chunks (the `dirty-bitmaps` capability) to the one
/// flagged end-of-section, as QEMU's `dirty_bitmap_load` reads them: flags, the node and
/// bitmap names when flagged, then a start (granularity, flags), a completion, or a run of
/// bits (first sector, sector count and, unless all zero, the bitmap bytes).
pub(super) fn walk_dirty_bitmap(r: &mut Reader) -> Result<(), Error> {
    loop {
        let mut flags = u32::from(r.u8("dirty-bitmap flags")?);
        if flags & bitmap_flag::EXTRA != 0 {
            flags = flags << 8 | u32::from(r.u8("dirty-bitmap flags")?);
            if flags & bitmap_flag::EXTRA != 0 {
                flags = flags << 16 | u32::from(r.be16("dirty-bitmap flags")?);
            }
        }
        if flags & bitmap_flag::DEVICE_NAME != 0 {
            r.short_str("dirty-bitmap node name")?;
        }
        if flags & bitmap_flag::BITMAP_NAME != 0 {
            r.short_str("dirty-bitmap name")?;
        }
        if flags & bitmap_flag::START != 0 {
            r.be32("dirty-bitmap granularity")?;
            r.u8("dirty-bitmap start flags")?;
        } else if flags & bitmap_flag::COMPLETE != 0 {
            // No payload.
        } else if flags & bitmap_flag::BITS != 0 {
            r.be64("dirty-bitmap first sector")?;
            r.be32("dirty-bitmap sector count")?;
            if flags & bitmap_flag::ZEROES == 0 {
                let at = r.cur.pos;
                let len = r.be64("dirty-bitmap buffer size")?;
                if len > MAX_BITMAP_CHUNK {
                    return Err(fmt_err(
                        format!("dirty-bitmap buffer of {len} bytes (QEMU reads at most {MAX_BITMAP_CHUNK})"),
                        at,
                    ));
                }
                r.take(len as usize, "dirty-bitmap bits")?;
            }
        }
        if flags & bitmap_flag::EOS != 0 {
            return Ok(());
        }
    }
}

/// The only XBZRLE encoding QEMU writes (`ENCODING_FLAG_XBZRLE`).
const XBZRLE_ENCODING: u8 = 0x01;

/// zlib's `compressBound`: the most bytes a page compresses to, the limit QEMU's `ram_load`
/// puts on a compressed page.
fn zlib_compress_bound(len: u64) -> u64 {
    len + (len >> 12) + (len >> 14) + (len >> 25) + 13
}

/// The RAM block list of a `MEM_SIZE` record whose blocks add up to `total`: each block's
/// id and length, and its address with `x-ignore-shared` (`addresses`).
fn block_list(r: &mut Reader, total: u64, addresses: bool) -> Result<Vec<(String, u64)>, Error> {
    let mut blocks = Vec::new();
    let mut left = total;
    while left > 0 {
        let at = r.cur.pos;
        let (id, used) = one_block(r, addresses).map_err(|e| match blocks.len() {
            0 => e,
            // What follows the real blocks, read as one more, is no block: the total is the
            // likelier fault, so say it first.
            // Cut short: a receiver tells it by the kind.
            n if matches!(e.kind(), ErrorKind::Truncated { .. }) => e.in_context(format!(
                "the ram block list ends before its total {total:#x} ({n} read)"
            )),
            n => {
                let path = e.path();
                let (sep, kind) = (if path.is_empty() { "" } else { ": " }, e.kind());
                let (blocks, add) = if n == 1 {
                    ("block", "adds")
                } else {
                    ("blocks", "add")
                };
                fmt_err(
                    format!(
                        "the ram block list ends before its total {total:#x}: the {n} {blocks} \
                         read {add} up to {:#x}, and what follows is no block ({path}{sep}{kind})",
                        total - left
                    ),
                    e.offset().unwrap_or(at),
                )
            }
        })?;
        let rest = left.checked_sub(used).ok_or_else(|| {
            fmt_err(
                format!(
                    "ram block `{}` of {used:#x} bytes exceeds the {left:#x} bytes left of the \
                     list's total {total:#x}",
                    shown(&id)
                ),
                at,
            )
        })?;
        left = rest;
        blocks.push((id, used));
    }
    Ok(blocks)
}

/// One entry of the RAM block list: its id and used length (and its address, skipped).
fn one_block(r: &mut Reader, addresses: bool) -> Result<(String, u64), Error> {
    let at = r.cur.pos;
    let id = r.short_str("ram block id")?;
    if id.is_empty() {
        // QEMU looks each id up among its RAM blocks, and none has an empty one.
        return Err(fmt_err("a ram block with an empty id".into(), at));
    }
    let used = r.be64("ram block length")?;
    if addresses {
        r.be64("ram block address")?;
    }
    Ok((id, used))
}

/// `list` if the block list is followed by what QEMU's `ram_save_setup` writes after it: an
/// end of section, or a multifd flush (QEMU 9.0+) and then one; else the error for a list
/// misread.
fn ends_setup(r: &Reader, list: Vec<(String, u64)>) -> Result<Vec<(String, u64)>, Error> {
    match r.peek_be64() {
        Some(ram_flag::EOS | ram_flag::MULTIFD_FLUSH) => Ok(list),
        _ => Err(fmt_err(
            "the ram block list is not followed by the end of the RAM setup".into(),
            r.cur.pos,
        )),
    }
}
