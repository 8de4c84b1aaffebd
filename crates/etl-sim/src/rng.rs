//! A small seeded generator (xoshiro256** seeded through SplitMix64).
//!
//! Written out here rather than taken from `rand` so that the bytes of a
//! generated night stay the same for a seed across dependency upgrades
//! (`rand` documents its `StdRng` as not reproducible across versions).

/// SplitMix64: spreads one 64-bit value into well-mixed 64-bit values.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives an independent seed for a numbered part from a parent seed.
pub(crate) fn derive(seed: u64, part: u64) -> u64 {
    let mut state = seed ^ part.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut state)
}

#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut state = seed;
        Self {
            s: [
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
            ],
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s1 << 17;
        let mut s = [s0, s1, s2 ^ s0, s3 ^ s1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.s = s;
        result
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An integer in `[low, high]` (inclusive); `low` when the range is empty.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high - low) as u64 + 1;
        low + (self.next_u64() % span) as i64
    }

    /// An index below `len` (0 when `len` is 0).
    pub(crate) fn below(&mut self, len: usize) -> usize {
        if len == 0 {
            return 0;
        }
        (self.next_u64() % len as u64) as usize
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let index = self.below(items.len());
        items.get(index)
    }

    /// An index chosen with the given weights (0 when all are zero).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        if total == 0 {
            return 0;
        }
        let mut roll = self.next_u64() % total;
        for (index, &weight) in weights.iter().enumerate() {
            let weight = u64::from(weight);
            if roll < weight {
                return index;
            }
            roll -= weight;
        }
        0
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// Roughly normal (sum of uniforms), mean 0, deviation 1.
    pub(crate) fn normal(&mut self) -> f64 {
        (0..6).map(|_| self.unit()).sum::<f64>() * std::f64::consts::SQRT_2
            - 6.0 / 2.0 * std::f64::consts::SQRT_2
    }

    /// How many of `n` trials succeed with probability `p` each.
    pub(crate) fn binomial(&mut self, n: i64, p: f64) -> i64 {
        (0..n.max(0)).filter(|_| self.chance(p)).count() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let mut c = Rng::new(43);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn ranges_stay_inside() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let x = rng.range(-3, 5);
            assert!((-3..=5).contains(&x));
            assert!(rng.unit() < 1.0);
            assert!(rng.below(7) < 7);
        }
        assert_eq!(rng.weighted(&[0, 0, 3]), 2);
    }
}
