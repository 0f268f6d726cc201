//! Property-based tests: invariants of money, policy verdicts, the intake, the parsers and the
//! whole engine, checked on inputs proptest generates.
//!
//! Every property runs a bounded number of cases from a fixed seed, so a run (and CI) sees the
//! same inputs every time; a failure prints the shrunk input. To explore other inputs locally,
//! set `PROPTEST_RNG_SEED` (and `PROPTEST_CASES`): the environment then wins over the defaults
//! here. Failures are not persisted to files: the fixed seed reproduces them.

use proptest::test_runner::{Config, RngSeed};

mod intake;
mod model;
mod money;
mod parsers;
mod policy;

/// The seed every property starts from unless `PROPTEST_RNG_SEED` says otherwise.
pub const SEED: u64 = 0x5EED_2026_1123;

/// `cases` cases from the fixed seed, no failure files, a bounded shrink.
pub fn config(cases: u32) -> Config {
    let from_env = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() { from_env.cases } else { cases },
        rng_seed: match std::env::var_os("PROPTEST_RNG_SEED") {
            Some(_) => from_env.rng_seed,
            None => RngSeed::Fixed(SEED),
        },
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..from_env
    }
}
