//! Toy tables that exercise every feature the zkVM relies on, valid
//! batches built from them, and the fuzzing of proof bytes.

#![allow(dead_code)]

use std::borrow::Cow;
use std::ops::RangeInclusive;

use bento_stark::public_table::PublicColumns;
use bento_stark::{
    Air, AirBuilder, BaseAir, Instance, InteractionBuilder, LookupBus, PrimeCharacteristicRing,
    RowMajorMatrix, WindowAccess, F,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How many random cases a property test runs: `default`, or
/// BENTO_SOUNDNESS_CASES.
pub fn cases(default: usize) -> usize {
    std::env::var("BENTO_SOUNDNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Proof bytes mangled the `case`-th way: truncated, a bit flipped, a run
/// overwritten, bytes inserted, or random bytes (sometimes behind the
/// proof's own header).
pub fn mangle(bytes: &[u8], rng: &mut ChaCha8Rng, case: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match case % 5 {
        0 => b.truncate(rng.random_range(0..b.len())),
        1 => {
            let at = rng.random_range(0..b.len());
            b[at] ^= 1 << rng.random_range(0..8);
        }
        2 => {
            let at = rng.random_range(0..b.len());
            let len = rng.random_range(1..64).min(b.len() - at);
            rng.fill(&mut b[at..at + len]);
        }
        3 => {
            let at = rng.random_range(0..b.len());
            let extra: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
            b.splice(at..at, extra);
        }
        _ => {
            b = (0..rng.random_range(0..2048))
                .map(|_| rng.random())
                .collect();
            if rng.random_bool(0.5) {
                b.splice(0..0, bytes[..20].iter().copied());
            }
        }
    }
    b
}

const RANGE8: LookupBus<'static> = LookupBus::new("toy-range8");
const TUPLES: LookupBus<'static> = LookupBus::new("toy-tuples");
const PAIR: LookupBus<'static> = LookupBus::new("toy-public-pair");
const BYTES: LookupBus<'static> = LookupBus::new("toy-public-bytes");

#[derive(Clone, Debug)]
pub enum Toy {
    /// (a, b) with a' = b, b' = a + b; public values: a0, b0 and the last b.
    Fib,
    /// One column, each value looked up in the 8-bit range table.
    RangeUser,
    /// (value, multiplicity): value counts 0..256.
    RangeTable,
    /// (x, y, z = x·y), each row sends the tuple.
    Sender,
    /// (x, y, z = x·y, multiplicity), receives tuples.
    Receiver,
    /// (first): sends its two public values as a pair on the first row.
    PublicPair,
    /// (a, b, multiplicity), receives pairs.
    PairReceiver,
    /// (index, byte, is_real) fixed by the verifier's data; provides them on a bus.
    PublicBytes(PublicColumns),
    /// (index, byte, active): the prover's bytes, each looked up in the public ones.
    ByteWriter,
}

impl BaseAir<F> for Toy {
    fn width(&self) -> usize {
        match self {
            Toy::RangeUser => 1,
            Toy::Fib | Toy::RangeTable => 2,
            Toy::Sender | Toy::PairReceiver | Toy::ByteWriter => 3,
            Toy::Receiver => 4,
            Toy::PublicPair => 1,
            Toy::PublicBytes(p) => p.width(),
        }
    }

    fn num_periodic_columns(&self) -> usize {
        match self {
            Toy::PublicBytes(p) => p.width(),
            _ => 0,
        }
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        match self {
            Toy::PublicBytes(p) => p.periodic_columns(),
            _ => Cow::Borrowed(&[]),
        }
    }

    fn num_public_values(&self) -> usize {
        match self {
            Toy::Fib => 3,
            Toy::PublicPair => 2,
            Toy::PublicBytes(_) => 8,
            _ => 0,
        }
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for Toy {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let cur = |i: usize| -> AB::Expr { main.current(i).expect("column").into() };
        let next = |i: usize| -> AB::Expr { main.next(i).expect("column").into() };
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        match self {
            Toy::Fib => {
                builder.when_first_row().assert_eq(cur(0), pv[0].clone());
                builder.when_first_row().assert_eq(cur(1), pv[1].clone());
                builder.when_transition().assert_eq(next(0), cur(1));
                builder
                    .when_transition()
                    .assert_eq(next(1), cur(0) + cur(1));
                builder.when_last_row().assert_eq(cur(1), pv[2].clone());
            }
            Toy::RangeUser => RANGE8.lookup_key(builder, [cur(0)], 1),
            Toy::RangeTable => {
                builder.when_first_row().assert_zero(cur(0));
                builder
                    .when_transition()
                    .assert_eq(next(0), cur(0) + AB::Expr::ONE);
                RANGE8.table_entry(builder, [cur(0)], cur(1));
            }
            Toy::Sender => {
                builder.assert_eq(cur(2), cur(0) * cur(1));
                TUPLES.lookup_key(builder, [cur(0), cur(1), cur(2)], 1);
            }
            Toy::Receiver => {
                builder.assert_eq(cur(2), cur(0) * cur(1));
                TUPLES.table_entry(builder, [cur(0), cur(1), cur(2)], cur(3));
            }
            Toy::PublicPair => {
                // Column 0 is 1 on the first row and 0 after: row selectors
                // cannot enter a bus (see BatchAir), columns can.
                builder.when_first_row().assert_one(cur(0));
                builder.when_transition().assert_zero(next(0));
                PAIR.lookup_key(
                    builder,
                    [pv[0].clone(), pv[1].clone()],
                    bento_stark::Count::bounded(cur(0), 1),
                );
            }
            Toy::PairReceiver => {
                // Rows that receive nothing hold zeros, so that no cell is free.
                builder.assert_bool(cur(2));
                builder.assert_zero((AB::Expr::ONE - cur(2)) * cur(0));
                builder.assert_zero((AB::Expr::ONE - cur(2)) * cur(1));
                PAIR.table_entry(builder, [cur(0), cur(1)], cur(2));
            }
            Toy::PublicBytes(p) => {
                p.eval(builder, 0);
                BYTES.table_entry(builder, [cur(0), cur(1)], cur(2));
            }
            Toy::ByteWriter => {
                builder.assert_bool(cur(2));
                builder.assert_zero((AB::Expr::ONE - cur(2)) * cur(0));
                builder.assert_zero((AB::Expr::ONE - cur(2)) * cur(1));
                BYTES.lookup_key(
                    builder,
                    [cur(0), cur(1)],
                    bento_stark::Count::bounded(cur(2), 1),
                );
            }
        }
    }
}

fn matrix(rows: Vec<Vec<u32>>) -> RowMajorMatrix<F> {
    let width = rows[0].len();
    RowMajorMatrix::new(rows.into_iter().flatten().map(F::from_u32).collect(), width)
}

fn instance(air: Toy, rows: Vec<Vec<u32>>, public_values: Vec<F>) -> Instance<Toy> {
    Instance {
        air,
        trace: matrix(rows),
        public_values,
    }
}

/// A batch with the heights its verifier accepts.
pub struct Batch {
    pub name: &'static str,
    pub instances: Vec<Instance<Toy>>,
}

impl Batch {
    pub fn airs(&self) -> Vec<Toy> {
        self.instances.iter().map(|i| i.air.clone()).collect()
    }

    pub fn public_values(&self) -> Vec<Vec<F>> {
        self.instances
            .iter()
            .map(|i| i.public_values.clone())
            .collect()
    }

    pub fn heights(&self) -> Vec<RangeInclusive<usize>> {
        self.instances.iter().map(|_| 3..=12).collect()
    }
}

pub fn fib_batch() -> Batch {
    let (mut a, mut b) = (1u32, 1u32);
    let mut rows = Vec::new();
    for _ in 0..32 {
        rows.push(vec![a, b]);
        let next = (a as u64 + b as u64) % 0x7800_0001;
        a = b;
        b = next as u32;
    }
    let last = rows.last().unwrap()[1];
    Batch {
        name: "fibonacci",
        instances: vec![instance(
            Toy::Fib,
            rows,
            vec![F::ONE, F::ONE, F::from_u32(last)],
        )],
    }
}

pub fn range_batch() -> Batch {
    let values: Vec<u32> = (0..64).map(|i| (i * 37 + 11) % 256).collect();
    let mut mult = vec![0u32; 256];
    for &v in &values {
        mult[v as usize] += 1;
    }
    Batch {
        name: "range check",
        instances: vec![
            instance(
                Toy::RangeUser,
                values.iter().map(|&v| vec![v]).collect(),
                vec![],
            ),
            instance(
                Toy::RangeTable,
                (0..256).map(|v| vec![v, mult[v as usize]]).collect(),
                vec![],
            ),
        ],
    }
}

pub fn tuple_batch() -> Batch {
    // 64 sends drawn from 16 distinct tuples: the receiver (16 rows) counts them.
    let tuples: Vec<[u32; 3]> = (0..16)
        .map(|i| [i + 2, 3 * i + 1, (i + 2) * (3 * i + 1)])
        .collect();
    let sends: Vec<Vec<u32>> = (0..64).map(|i| tuples[(i * 7) % 16].to_vec()).collect();
    let receives = tuples.iter().enumerate().map(|(i, t)| {
        let m = (0..64).filter(|j| (j * 7) % 16 == i).count() as u32;
        vec![t[0], t[1], t[2], m]
    });
    Batch {
        name: "tuple bus",
        instances: vec![
            instance(Toy::Sender, sends, vec![]),
            instance(Toy::Receiver, receives.collect(), vec![]),
        ],
    }
}

/// The verifier knows the pair (7, 9) and the bytes; the prover's tables must meet them on buses.
pub fn public_batch(bytes: &[u8]) -> Batch {
    let n = bytes.len();
    let public = PublicColumns::new(
        vec![
            (0..n as u32).map(F::from_u32).collect(),
            bytes.iter().map(|&b| F::from_u8(b)).collect(),
            vec![F::ONE; n],
        ],
        16,
    );
    let mut public_trace = F::zero_vec(public.height() * public.width());
    public.fill(&mut public_trace, public.width(), 0);
    let height = public.height();
    let writer: Vec<Vec<u32>> = (0..height)
        .map(|i| {
            if i < n {
                vec![i as u32, u32::from(bytes[i]), 1]
            } else {
                vec![0, 0, 0]
            }
        })
        .collect();
    let digest = public.digest().to_vec();
    let mut pair_rows = vec![vec![7, 9, 1]];
    pair_rows.resize(16, vec![0, 0, 0]);
    Batch {
        name: "public values on buses",
        instances: vec![
            instance(
                Toy::PublicPair,
                (0..16).map(|i| vec![u32::from(i == 0)]).collect(),
                vec![F::from_u32(7), F::from_u32(9)],
            ),
            instance(Toy::PairReceiver, pair_rows, vec![]),
            Instance {
                air: Toy::PublicBytes(public.clone()),
                trace: RowMajorMatrix::new(public_trace, 3),
                public_values: digest,
            },
            instance(Toy::ByteWriter, writer, vec![]),
        ],
    }
}

pub fn all_batches() -> Vec<Batch> {
    vec![
        fib_batch(),
        range_batch(),
        tuple_batch(),
        public_batch(b"hello, journal"),
    ]
}
