//! `Work`: the budget of one identify (README: identify, "Identify is bounded").
//!
//! Inverting a template searches the ways of cutting a URL's text between its
//! expressions; a template such as `{id}.{id}.{id}` can be cut in millions of ways.
//! Every cut tried and every byte decoded or compared is charged here, whether the
//! captures turn out to agree or not, and the search stops when the budget is spent:
//! the answer then says that it was cut short. It must not know about the index.
//!
//! `within` runs a computation with a smaller budget for every identify in it, and
//! says whether one of them hit it: the daemon answers an ordinary identify on its
//! worker that way, and asks again off the workers only when the budget was too small
//! (identify is pure: asking again gives the whole answer).

use std::cell::Cell;

/// Units one identify may spend: a unit is about one byte of text decoded or
/// compared, a few nanoseconds; this is about a millisecond of CPU at most.
pub const PER_IDENTIFY: u32 = 400_000;

/// Units one template may spend of them, so that one template that can be cut in
/// many ways leaves the others their share.
pub const PER_TEMPLATE: u32 = 100_000;

/// What one cut costs besides the bytes it decodes: finding it, pushing it, undoing it.
pub const CUT: u32 = 16;

/// A budget of work units, and whether it ran out.
#[derive(Debug, Clone)]
pub struct Work {
    left: u32,
    /// What this budget started with (for a share: what it was given).
    granted: u32,
    cut_short: bool,
}

thread_local! {
    /// The budget of each identify inside `within` on this thread, and whether one hit it.
    static LIMIT: Cell<Option<(u32, bool)>> = const { Cell::new(None) };
}

/// `f`'s answer, and whether an identify in it was cut short by the budget `units`
/// (smaller than `PER_IDENTIFY`) rather than by its own.
pub fn within<R>(units: u32, f: impl FnOnce() -> R) -> (R, bool) {
    let outer = LIMIT.with(|l| l.replace(Some((units, false))));
    let answer = f();
    let hit = LIMIT.with(|l| l.replace(outer)).is_some_and(|(_, hit)| hit);
    (answer, hit)
}

impl Default for Work {
    /// The budget of one identify: `PER_IDENTIFY`, or what `within` says.
    fn default() -> Work {
        Work::new(LIMIT.with(|l| l.get()).map_or(PER_IDENTIFY, |(units, _)| units.min(PER_IDENTIFY)))
    }
}

/// Notes that an identify ran out of a budget `within` had made smaller.
fn hit_limit() {
    LIMIT.with(|l| {
        if let Some((units, _)) = l.get() {
            l.set(Some((units, true)));
        }
    });
}

impl Work {
    pub fn new(units: u32) -> Work {
        Work { left: units, granted: units, cut_short: false }
    }

    /// Spends `units`; false (and cut short from then on) when they are not there.
    pub fn charge(&mut self, units: usize) -> bool {
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        if self.cut_short || units > self.left {
            if !self.cut_short {
                hit_limit();
            }
            self.left = 0;
            self.cut_short = true;
            return false;
        }
        self.left -= units;
        true
    }

    /// Whether some search stopped because the budget was spent.
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }

    pub fn left(&self) -> u32 {
        self.left
    }

    /// A share of what is left, at most `units`, to spend on one part of the work;
    /// give it back with `settle`.
    pub fn share(&self, units: u32) -> Work {
        Work::new(self.left.min(units))
    }

    /// Takes back what a `share` did not spend, and whether it was cut short.
    pub fn settle(&mut self, share: Work) {
        self.left -= (share.granted - share.left).min(self.left);
        self.cut_short |= share.cut_short;
    }

    /// Units spent so far.
    pub fn spent(&self) -> u32 {
        self.granted - self.left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_makes_every_identify_smaller_and_says_when_one_hit_it() {
        let ((), hit) = within(10, || {
            let mut work = Work::default();
            assert_eq!(work.left(), 10);
            assert!(work.charge(5));
        });
        assert!(!hit);
        let ((), hit) = within(10, || assert!(!Work::default().charge(11)));
        assert!(hit);
        assert_eq!(Work::default().left(), PER_IDENTIFY, "outside, the whole budget");
    }

    #[test]
    fn a_spent_budget_stays_spent() {
        let mut work = Work::new(10);
        assert!(work.charge(4));
        assert!(!work.charge(7));
        assert!(work.cut_short());
        assert!(!work.charge(0), "once cut short, nothing more is done");
        let mut whole = Work::new(100);
        let mut share = whole.share(30);
        assert!(share.charge(20));
        assert!(!share.charge(11));
        whole.settle(share);
        assert_eq!(whole.left(), 70, "a share that ran out spent all it was given");
        assert!(whole.cut_short());
    }
}
