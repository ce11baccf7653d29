//! `Work`: the budget of one identify (SPEC §3, "Identify is bounded").
//!
//! Inverting a template searches the ways of cutting a URL's text between its
//! expressions; a template such as `{id}.{id}.{id}` can be cut in millions of ways.
//! Every cut tried and every byte decoded or compared is charged here, whether the
//! captures turn out to agree or not, and the search stops when the budget is spent:
//! the answer then says that it was cut short. It must not know about the index.

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

impl Default for Work {
    fn default() -> Work {
        Work::new(PER_IDENTIFY)
    }
}

impl Work {
    pub fn new(units: u32) -> Work {
        Work { left: units, granted: units, cut_short: false }
    }

    /// Spends `units`; false (and cut short from then on) when they are not there.
    pub fn charge(&mut self, units: usize) -> bool {
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        if self.cut_short || units > self.left {
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
