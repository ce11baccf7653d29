//! Copy-on-write storage for the index's big parts, so that a reload's copy of the
//! index shares everything it does not change (issue 12: a structural edit at a
//! million links within 100 ms, which copying 50 MB of tables per reload did not allow).
//!
//! - `Chunked<T>`: a vector in chunks of `CHUNK` elements behind `Arc`s. A clone copies
//!   the chunk pointers; writing an element copies its chunk only if it is shared.
//! - `Sharded`: a hash table of `u32`s in `SHARDS` tables behind `Arc`s, chosen by bits
//!   of the hash that the tables themselves do not use (hashbrown takes the low bits
//!   for the bucket and the top seven for its control bytes). Lookups probe one shard.
//!
//! A copy that changes a few elements costs a few chunk and shard copies (tens of KiB),
//! not the whole. Reading costs one more pointer than a flat `Vec` or table.

use std::sync::Arc;

use hashbrown::HashTable;

const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

/// Full chunks are shared; the last, partial one is owned, so that pushing costs no
/// atomic operation (a copy copies it: at most `CHUNK` elements).
#[derive(Clone)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), tail: Vec::new() }
    }
}

impl<T: Clone> Chunked<T> {
    pub(crate) fn len(&self) -> usize {
        self.chunks.len() * CHUNK + self.tail.len()
    }

    #[inline]
    pub(crate) fn push(&mut self, value: T) {
        // The tail grows as a vector does (doubling up to `CHUNK`, a power of two).
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            self.chunks.push(Arc::new(std::mem::take(&mut self.tail)));
        }
    }

    /// Gives back the tail's spare room (after a build or a patch: up to a chunk's worth).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.tail.shrink_to_fit();
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &T> + DoubleEndedIterator + '_ {
        self.range(0..self.len())
    }

    pub(crate) fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = &T> + DoubleEndedIterator + '_ {
        range.map(move |i| &self[i])
    }

    /// Every element, for writing: copies each shared chunk.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.chunks.iter_mut().flat_map(|c| Arc::make_mut(c).iter_mut()).chain(self.tail.iter_mut())
    }

    /// The elements of a vector (copied, a chunk at a time).
    pub(crate) fn from_vec(values: Vec<T>) -> Chunked<T> {
        let full = values.len() / CHUNK * CHUNK;
        let chunks = values[..full].chunks(CHUNK).map(|c| Arc::new(c.to_vec())).collect();
        let tail = values[full..].to_vec();
        Chunked { chunks, tail }
    }

    /// The elements from `at` on replaced by `tail` (copies only the chunks from `at`'s on).
    pub(crate) fn splice_tail(&mut self, at: usize, tail: impl IntoIterator<Item = T>) {
        let kept: Vec<T> = self.range(at & !(CHUNK - 1)..at).cloned().collect();
        self.chunks.truncate(at / CHUNK);
        self.tail = Vec::new();
        for value in kept.into_iter().chain(tail) {
            self.push(value);
        }
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut chunked = Chunked::default();
        for value in iter {
            chunked.push(value);
        }
        chunked
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        match self.chunks.get(i >> CHUNK_BITS) {
            Some(chunk) => &chunk[i & (CHUNK - 1)],
            None => &self.tail[i - self.chunks.len() * CHUNK],
        }
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for Chunked<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        let full = self.chunks.len() * CHUNK;
        match self.chunks.get_mut(i >> CHUNK_BITS) {
            Some(chunk) => &mut Arc::make_mut(chunk)[i & (CHUNK - 1)],
            None => &mut self.tail[i - full],
        }
    }
}

/// At most this many shards; about `SHARD_SIZE` values a shard below that (a small
/// index in one table: each shard costs its own allocation).
const MAX_SHARDS: usize = 256;
const SHARD_SIZE: usize = 4096;

/// A hash table of `u32` (positions in some `Chunked`), in shards shared between copies.
#[derive(Clone)]
pub(crate) struct Sharded {
    shards: Vec<Arc<HashTable<u32>>>,
}

impl Default for Sharded {
    fn default() -> Self {
        Sharded { shards: vec![Arc::new(HashTable::new())] }
    }
}

impl Sharded {
    /// An empty table in as many shards as `capacity` values call for.
    pub(crate) fn with_capacity(capacity: usize, hasher: impl Fn(&u32) -> u64) -> Sharded {
        let count = (capacity / SHARD_SIZE).next_power_of_two().clamp(1, MAX_SHARDS);
        let mut table = Sharded { shards: (0..count).map(|_| Arc::new(HashTable::new())).collect() };
        let each = capacity.div_ceil(count);
        for shard in &mut table.shards {
            Arc::make_mut(shard).reserve(each, &hasher);
        }
        table
    }

    #[inline]
    fn shard_of(&self, hash: u64) -> usize {
        (hash >> 32) as usize & (self.shards.len() - 1)
    }

    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&u32) -> bool) -> Option<&u32> {
        self.shards[self.shard_of(hash)].find(hash, eq)
    }

    pub(crate) fn iter_hash(&self, hash: u64) -> impl Iterator<Item = &u32> + '_ {
        self.shards[self.shard_of(hash)].iter_hash(hash)
    }

    pub(crate) fn shard_mut(&mut self, hash: u64) -> &mut HashTable<u32> {
        let n = self.shard_of(hash);
        Arc::make_mut(&mut self.shards[n])
    }

    pub(crate) fn insert_unique(&mut self, hash: u64, value: u32, hasher: impl Fn(&u32) -> u64) {
        self.shard_mut(hash).insert_unique(hash, value, hasher);
    }

    /// Removes the value `eq` picks among those filed under `hash`; whether there was one.
    pub(crate) fn remove(&mut self, hash: u64, eq: impl FnMut(&u32) -> bool) -> bool {
        match self.shard_mut(hash).find_entry(hash, eq) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn allocation_size(&self) -> usize {
        self.shards.iter().map(|s| s.allocation_size()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_until_written() {
        let mut a: Chunked<u32> = (0..10_000).collect();
        let b = a.clone();
        a[5000] = 1;
        a.push(7);
        assert_eq!((a[5000], b[5000], a.len(), b.len()), (1, 5000, 10_001, 10_000));
        assert_eq!(b.iter().copied().sum::<u32>(), (0..10_000u32).sum::<u32>());
        a.splice_tail(4100, [9, 8]);
        assert_eq!(a.len(), 4102);
        assert_eq!(a.iter().copied().skip(4098).collect::<Vec<_>>(), [4098, 4099, 9, 8]);
        assert_eq!(b[4100], 4100);
        a.splice_tail(0, []);
        assert_eq!(a.len(), 0);
    }

    #[test]
    fn sharded_finds_inserts_and_removes() {
        let hash = |v: &u32| (*v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut table = Sharded::with_capacity(20_000, hash);
        assert_eq!(table.shards.len(), 4);
        for v in 0..5000 {
            table.insert_unique(hash(&v), v, hash);
        }
        let copy = table.clone();
        assert!(table.remove(hash(&77), |&v| v == 77));
        assert!(!table.remove(hash(&77), |&v| v == 77));
        assert_eq!(table.find(hash(&77), |&v| v == 77), None);
        assert_eq!(copy.find(hash(&77), |&v| v == 77), Some(&77));
        assert_eq!(table.find(hash(&4999), |&v| v == 4999), Some(&4999));
    }
}
