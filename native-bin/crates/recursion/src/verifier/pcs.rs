//! The opening argument as a program: Plonky3's `TwoAdicFriPcs::verify` and
//! `verify_fri`. The claimed evaluations are absorbed, the batching challenge
//! drawn; FRI's folding commitments and final polynomial absorbed, its query
//! indices drawn; then for every query each input commitment's rows are
//! authenticated ([`mmcs`]), reduced to one value per height with the batching
//! challenge, folded round by round against the authenticated rows of each
//! folding commitment (the reduced openings rolled in at their heights), and
//! compared with the final polynomial.

use bento_stark::config::{fri_parameters, val_mmcs};
use bento_stark::{Field, PrimeCharacteristicRing, EF, F};
use p3_challenger::CanObserve;
use p3_commit::{CommitmentOpening, MatrixOpening, PointOpening};
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_field::{BasedVectorSpace, TwoAdicField};
use p3_fri::{fold_schedule, FriShape, PcsShape};
use p3_matrix::Dimensions;

use super::mmcs::{self, cap_siblings, Digest, Opening};
use super::transcript::{pow, split, Challenges};
use super::{BatchVerifier, ProofCells, Source};
use crate::challenger::Challenger;
use crate::ir::{Builder, Ext, Felt};

/// One committed matrix's claims: its rows' height (log2, LDE) and each
/// point with the claimed column values there.
struct Claim {
    log_height: usize,
    points: Vec<(Ext, Vec<Ext>)>,
}

/// One commitment: its cap (as cells, for the transcript), the cap's values,
/// and its matrices' claims.
struct Round {
    cap: Vec<Felt>,
    matrices: Vec<Claim>,
}

/// One query's rows of a commitment's matrices.
type Rows = Vec<Vec<F>>;
/// One query's Merkle siblings, leaf level first.
type Path = Vec<[F; 8]>;

fn digests(cap: &[Felt]) -> Vec<Digest> {
    cap.chunks(8)
        .map(|c| c.try_into().expect("digests of eight"))
        .collect()
}

/// What a domain separator's seed absorbs.
#[derive(Default)]
struct Tape(Vec<F>);

impl CanObserve<F> for Tape {
    fn observe(&mut self, value: F) {
        self.0.push(value);
    }
}

/// Observes the seed a Plonky3 domain separator absorbs (a constant of the shape).
fn seed(b: &mut Builder, c: &mut Challenger, separator: impl FnOnce(&mut Tape)) {
    let mut tape = Tape::default();
    separator(&mut tape);
    for &v in &tape.0 {
        let cell = b.constant_felt(v);
        c.observe(b, cell);
    }
}

fn observe_ext(b: &mut Builder, c: &mut Challenger, x: Ext) {
    let coefficients = split(b, x);
    c.observe_all(b, &coefficients);
}

/// The rounds `verify_batch` hands the PCS: main, quotient, preprocessed, permutation.
fn claims(b: &mut Builder, v: &BatchVerifier, proof: &ProofCells, zeta: Ext) -> Vec<Round> {
    let log_blowup = v.parameters.log_blowup;
    let zeta_next: Vec<Ext> = v
        .degree_bits
        .iter()
        .map(|&db| b.affine(EF::from(F::two_adic_generator(db)), zeta, EF::ZERO))
        .collect();
    let lde = |i: usize| v.degree_bits[i] + log_blowup;
    let mut rounds = Vec::new();
    let main = (0..v.tables.len())
        .map(|i| {
            let t = &proof.tables[i];
            let mut points = vec![(zeta, t.trace_local.clone())];
            if v.next_row_used[i] {
                points.push((zeta_next[i], t.trace_next.clone()));
            }
            Claim {
                log_height: lde(i),
                points,
            }
        })
        .collect();
    rounds.push(Round {
        cap: proof.main.clone(),
        matrices: main,
    });
    let quotient = (0..v.tables.len())
        .flat_map(|i| {
            proof.tables[i]
                .quotient_chunks
                .iter()
                .map(move |chunk| Claim {
                    log_height: lde(i),
                    points: vec![(zeta, chunk.clone())],
                })
        })
        .collect();
    rounds.push(Round {
        cap: proof.quotient.clone(),
        matrices: quotient,
    });
    if let Some(cap) = &proof.preprocessed {
        let matrices = (0..v.tables.len())
            .filter(|&i| v.preprocessed_widths[i] > 0)
            .map(|i| {
                let t = &proof.tables[i];
                let mut points = vec![(zeta, t.preprocessed_local.clone())];
                if v.preprocessed_next_used[i] {
                    points.push((zeta_next[i], t.preprocessed_next.clone()));
                }
                Claim {
                    log_height: lde(i),
                    points,
                }
            })
            .collect();
        rounds.push(Round {
            cap: cap.clone(),
            matrices,
        });
    }
    if let Some(cap) = &proof.permutation {
        let matrices = (0..v.tables.len())
            .filter(|&i| !proof.tables[i].permutation_local.is_empty())
            .map(|i| {
                let t = &proof.tables[i];
                Claim {
                    log_height: lde(i),
                    points: vec![
                        (zeta, t.permutation_local.clone()),
                        (zeta_next[i], t.permutation_next.clone()),
                    ],
                }
            })
            .collect();
        rounds.push(Round {
            cap: cap.clone(),
            matrices,
        });
    }
    rounds
}

/// Σ α^k·row[k], from the powers of α.
fn alpha_sum(b: &mut Builder, alpha_powers: &[Ext], row: &[Felt]) -> Ext {
    let Some((&first, rest)) = row.split_first() else {
        return b.constant(EF::ZERO);
    };
    let mut sum: Ext = first.into();
    for (k, &cell) in rest.iter().enumerate() {
        let term = b.mul(alpha_powers[k + 1], cell);
        sum = b.add(sum, term);
    }
    sum
}

/// `g^rev(index)` where `index` has `bits` (least significant first) and is
/// bit-reversed over `width` bits: Π of `g^(2^(width-1-i))` where bit i is set.
fn reversed_power(b: &mut Builder, g: F, bits: &[Felt], width: usize) -> Ext {
    let n = width;
    let mut acc = b.constant(EF::ONE);
    for (i, &bit) in bits.iter().enumerate() {
        let c = g.exp_power_of_2(n - 1 - i);
        // 1 + bit·(c - 1)
        let factor = b.affine(EF::from(c - F::ONE), bit, EF::ONE);
        acc = b.mul(acc, factor);
    }
    acc
}

/// Indicators of `bits` (least significant first) naming each of 2^len positions.
fn one_hot(b: &mut Builder, bits: &[Felt]) -> Vec<Ext> {
    let mut hot = vec![b.constant(EF::ONE)];
    for &bit in bits {
        let not = b.affine(-EF::ONE, bit, EF::ONE);
        let mut next = Vec::with_capacity(hot.len() * 2);
        for &h in &hot {
            next.push(b.mul(h, not));
        }
        for &h in &hot {
            next.push(b.mul(h, bit));
        }
        hot = next;
    }
    hot
}

/// The fold of one round: the row's polynomial (its values on the coset
/// starting at `s`, in bit-reversed order) evaluated at `beta`.
fn fold_row(b: &mut Builder, s: Ext, log_arity: usize, beta: Ext, evals: &[Ext]) -> Ext {
    let arity = 1 << log_arity;
    let mut omegas: Vec<F> = F::two_adic_generator(log_arity)
        .powers()
        .take(arity)
        .collect();
    p3_util::reverse_slice_index_bits(&mut omegas);
    // l(β) = Π (β - x_j); weight_j = x_j / (n·s^n); value = l(β)·Σ y_j·weight_j/(β - x_j)
    let s_n = pow(b, s, arity as u64);
    let n_s_n = b.affine(EF::from(F::from_usize(arity)), s_n, EF::ZERO);
    let one = b.constant(EF::ONE);
    let scale = b.div(one, n_s_n);
    let mut l = b.constant(EF::ONE);
    let mut sum = b.constant(EF::ZERO);
    for (j, &omega) in omegas.iter().enumerate() {
        let x = b.affine(EF::from(omega), s, EF::ZERO);
        let diff = b.add_scaled(beta, -EF::from(omega), s);
        l = b.mul(l, diff);
        let yx = b.mul(evals[j], x);
        let term = b.div(yx, diff);
        sum = b.add(sum, term);
    }
    let weighted = b.mul(sum, scale);
    b.mul(weighted, l)
}

/// Checks the opening argument of the proof `proof` witnesses; `source`
/// supplies its data as the queries drawn need it.
pub fn verify(
    b: &mut Builder,
    v: &BatchVerifier,
    proof: &ProofCells,
    source: Source<'_>,
    ch: &mut Challenges,
) -> Result<(), String> {
    let params = fri_parameters(&v.parameters);
    let p = &v.parameters;
    let c = &mut ch.challenger;
    let rounds = claims(b, v, proof, ch.zeta);
    let fri = match source {
        Source::Proof(native) => Some(&native.opening_proof),
        Source::Shape => None,
    };
    // A commitment to 2^h rows sends the nodes min(h, cap height) levels below its root.
    let cap_len = |log_height: usize| 1usize << log_height.min(p.cap_height);

    // The PCS transcript: its seed, the claimed evaluations, the batching challenge.
    let native_claims: Vec<CommitmentOpening<EF, (), TwoAdicMultiplicativeCoset<F>>> = rounds
        .iter()
        .map(|r| CommitmentOpening {
            commitment: (),
            matrices: r
                .matrices
                .iter()
                .map(|m| MatrixOpening {
                    domain: TwoAdicMultiplicativeCoset::new(F::ONE, m.log_height - p.log_blowup)
                        .expect("a two-adic size"),
                    points: m
                        .points
                        .iter()
                        .map(|(z, values)| PointOpening {
                            point: b.value(*z),
                            values: values.iter().map(|&x| b.value(x)).collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let shape = PcsShape::from_claims(&params, &native_claims);
    seed(b, c, |r| shape.domain_separator::<F, EF>().seed(r));
    for round in &rounds {
        for m in &round.matrices {
            for (_, values) in &m.points {
                for &x in values {
                    observe_ext(b, c, x);
                }
            }
        }
    }
    let batch_pow = b.witness_felt(fri.map_or(F::ZERO, |f| f.batch_pow_witness));
    c.check_witness(b, p.batch_pow_bits, batch_pow);
    let alpha = c.sample_ext(b);

    // FRI's transcript.
    let mut heights: Vec<usize> = rounds
        .iter()
        .flat_map(|r| r.matrices.iter().map(|m| m.log_height))
        .collect();
    heights.sort_unstable_by(|x, y| y.cmp(x));
    heights.dedup();
    let log_max = heights[0];
    let log_final = p.log_blowup + p.log_final_poly_len;
    let log_arities = fold_schedule(&heights, log_final, p.max_log_arity);
    let mut folded_heights = Vec::new();
    let mut h = log_max;
    for &a in &log_arities {
        h -= a;
        folded_heights.push(h);
    }
    if let Some(fri) = fri {
        if fri.commit_phase_commits.len() != log_arities.len()
            || fri.commit_pow_witnesses.len() != log_arities.len()
            || fri.commit_phase_openings.len() != log_arities.len()
            || fri.final_poly.len() != params.final_poly_len()
            || fri.input_openings.len() != rounds.len()
            || fri
                .commit_phase_commits
                .iter()
                .zip(&folded_heights)
                .any(|(cap, &h)| cap.roots().len() != cap_len(h))
        {
            return Err("the FRI proof has another shape".into());
        }
    }
    let fri_shape = FriShape::with_schedule(&params, log_arities.clone(), log_max);
    seed(b, c, |r| fri_shape.domain_separator::<F, EF>().seed(r));
    let mut betas = Vec::new();
    let mut fold_caps = Vec::new();
    for (round, &h) in folded_heights.iter().enumerate() {
        let cap_values: Vec<F> = match fri {
            Some(f) => f.commit_phase_commits[round]
                .roots()
                .iter()
                .flatten()
                .copied()
                .collect(),
            None => vec![F::ZERO; 8 * cap_len(h)],
        };
        let cap: Vec<Felt> = cap_values.iter().map(|&x| b.witness_felt(x)).collect();
        c.observe_all(b, &cap);
        let w = b.witness_felt(fri.map_or(F::ZERO, |f| f.commit_pow_witnesses[round]));
        c.check_witness(b, p.commit_pow_bits, w);
        betas.push(c.sample_ext(b));
        fold_caps.push(cap);
    }
    let final_poly: Vec<Ext> = match fri {
        Some(f) => f.final_poly.iter().map(|&x| b.witness(x)).collect(),
        None => (0..params.final_poly_len())
            .map(|_| b.witness(EF::ZERO))
            .collect(),
    };
    for &x in &final_poly {
        observe_ext(b, c, x);
    }
    let query_pow = b.witness_felt(fri.map_or(F::ZERO, |f| f.query_pow_witness));
    c.check_witness(b, p.query_pow_bits, query_pow);
    let queries: Vec<Vec<Felt>> = (0..p.num_queries)
        .map(|_| c.sample_bits(b, log_max))
        .collect();
    let index_of = |b: &Builder, bits: &[Felt]| -> usize {
        bits.iter()
            .enumerate()
            .map(|(i, &bit)| (b.felt_value(bit) == F::ONE) as usize * (1 << i))
            .sum()
    };
    let indices: Vec<usize> = queries.iter().map(|q| index_of(b, q)).collect();

    // Each input commitment's rows at every query.
    let input_mmcs = val_mmcs(p);
    let mut opened_rows: Vec<Vec<Vec<Vec<Felt>>>> = Vec::new(); // [round][query][matrix]
    for (r, round) in rounds.iter().enumerate() {
        let log_heights: Vec<usize> = round.matrices.iter().map(|m| m.log_height).collect();
        let batch_max = *log_heights.iter().max().expect("a round has matrices");
        let dims: Vec<Dimensions> = round
            .matrices
            .iter()
            .map(|m| Dimensions {
                width: m.points[0].1.len(),
                height: 1 << m.log_height,
            })
            .collect();
        let reduced: Vec<usize> = indices
            .iter()
            .map(|&i| i >> (log_max - batch_max))
            .collect();
        let cap_height = batch_max.min(p.cap_height);
        // Each query's rows and path: the proof's, or zeros of their shape.
        let (opened, paths): (Vec<Rows>, Vec<Path>) = match fri {
            Some(f) => {
                let opening = &f.input_openings[r];
                if opening.opened_values.len() != p.num_queries
                    || opening.opened_values.iter().any(|q| {
                        q.len() != dims.len()
                            || q.iter().zip(&dims).any(|(row, d)| row.len() != d.width)
                    })
                    || round.cap.len() != 8 * cap_len(batch_max)
                {
                    return Err(format!(
                        "input commitment {r}: the opened rows have another shape"
                    ));
                }
                let paths = input_mmcs
                    .restore_and_recompute_paths(
                        &dims,
                        &reduced,
                        &opening.opened_values,
                        &opening.opening_proof,
                    )
                    .map_err(|e| format!("input commitment {r}: {e:?}"))?;
                (
                    opening.opened_values.clone(),
                    paths.into_iter().map(|path| path.siblings).collect(),
                )
            }
            None => (
                vec![dims.iter().map(|d| vec![F::ZERO; d.width]).collect(); p.num_queries],
                vec![vec![[F::ZERO; 8]; batch_max - cap_height]; p.num_queries],
            ),
        };
        let cap_values: Vec<[F; 8]> = round
            .cap
            .chunks(8)
            .map(|d| std::array::from_fn(|k| b.felt_value(d[k])))
            .collect();
        let root = mmcs::cap_root(b, &digests(&round.cap));
        let mut per_query = Vec::new();
        for (q, path) in paths.iter().enumerate() {
            let rows: Vec<Vec<Felt>> = opened[q]
                .iter()
                .map(|row| mmcs::witness_row(b, row))
                .collect();
            let siblings: Vec<Digest> = path.iter().map(|d| d.map(|x| b.witness_felt(x))).collect();
            let above: Vec<Digest> =
                cap_siblings(&cap_values, reduced[q] >> (batch_max - cap_height))
                    .iter()
                    .map(|d| d.map(|x| b.witness_felt(x)))
                    .collect();
            let opening = Opening {
                rows,
                siblings,
                cap_siblings: above,
            };
            mmcs::verify(
                b,
                root,
                &log_heights,
                &queries[q][log_max - batch_max..],
                &opening,
            );
            per_query.push(opening.rows);
        }
        opened_rows.push(per_query);
    }

    // The batching challenge's powers, and each (matrix, point)'s sum at the point.
    let ladder_len = heights
        .iter()
        .map(|&h| {
            rounds
                .iter()
                .flat_map(|r| &r.matrices)
                .filter(|m| m.log_height == h)
                .map(|m| m.points.iter().map(|(_, vals)| vals.len()).sum::<usize>())
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    let mut alpha_powers = vec![b.constant(EF::ONE)];
    while alpha_powers.len() < ladder_len {
        let next = b.mul(*alpha_powers.last().expect("non-empty"), alpha);
        alpha_powers.push(next);
    }
    let mut offsets = std::collections::BTreeMap::<usize, usize>::new();
    let mut reductions = Vec::new(); // per (round, matrix, point): (offset, sum at z)
    for round in &rounds {
        for m in &round.matrices {
            for (_, values) in &m.points {
                let offset = offsets.entry(m.log_height).or_insert(0);
                let start = *offset;
                *offset += values.len();
                let mut sum = b.constant(EF::ZERO);
                for (k, &x) in values.iter().enumerate() {
                    let term = b.mul(alpha_powers[start + k], x);
                    sum = b.add(sum, term);
                }
                reductions.push((start, sum));
            }
        }
    }

    let generator = F::GENERATOR;
    let g_max = F::two_adic_generator(log_max);
    let fold_mmcs = val_mmcs(p);
    // Each folding round's rows, restored into per-query paths once all queries are known.
    let mut fold_rows: Vec<Vec<Vec<EF>>> = vec![Vec::new(); log_arities.len()];
    let mut fold_indices: Vec<Vec<usize>> = vec![Vec::new(); log_arities.len()];
    let mut fold_cells: Vec<Vec<(Vec<Ext>, usize)>> = vec![Vec::new(); log_arities.len()];
    for (q, bits) in queries.iter().enumerate() {
        // x at the tallest height, then at each lower one by squaring.
        let y_max = reversed_power(b, g_max, bits, log_max);
        let mut x_at = std::collections::BTreeMap::new();
        let (mut y, mut y_height) = (y_max, log_max);
        for &h in &heights {
            for _ in h..y_height {
                y = b.mul(y, y);
            }
            y_height = h;
            x_at.insert(h, b.affine(EF::from(generator), y, EF::ZERO));
        }
        let mut reduced: std::collections::BTreeMap<usize, Ext> = Default::default();
        let mut red = reductions.iter();
        for (r, round) in rounds.iter().enumerate() {
            for (mi, m) in round.matrices.iter().enumerate() {
                let x = x_at[&m.log_height];
                // The row's sum is taken once; each point's sum of it is that
                // sum times the power of α its values start at.
                let row_sum = alpha_sum(b, &alpha_powers, &opened_rows[r][q][mi]);
                for (z, _) in &m.points {
                    let &(offset, sum_z) = red.next().expect("one reduction per point");
                    let sum_x = match offset {
                        0 => row_sum,
                        _ => b.mul(alpha_powers[offset], row_sum),
                    };
                    let num = b.sub(sum_z, sum_x);
                    let den = b.sub(*z, x);
                    let quotient = b.div(num, den);
                    let ro = reduced
                        .entry(m.log_height)
                        .or_insert_with(|| b.constant(EF::ZERO));
                    *ro = b.add(*ro, quotient);
                }
            }
        }
        // Fold.
        let mut folded = reduced[&log_max];
        let mut rolled_in = 1;
        let mut height = log_max;
        let mut consumed = 0;
        for (round, (&log_arity, &beta)) in log_arities.iter().zip(&betas).enumerate() {
            let arity = 1 << log_arity;
            let position = &bits[consumed..consumed + log_arity];
            let siblings = match fri {
                Some(f) => f.commit_phase_openings[round]
                    .sibling_values
                    .get(q)
                    .filter(|s| s.len() == arity - 1)
                    .ok_or_else(|| format!("folding round {round}: query {q} has no siblings"))?
                    .clone(),
                None => vec![EF::ZERO; arity - 1],
            };
            let pos = index_of(b, position);
            let mut row_native = Vec::with_capacity(arity);
            let mut it = siblings.iter();
            for j in 0..arity {
                row_native.push(if j == pos {
                    b.value(folded)
                } else {
                    *it.next().expect("arity - 1 siblings")
                });
            }
            let evals: Vec<Ext> = row_native.iter().map(|&x| b.witness(x)).collect();
            let hot = one_hot(b, position);
            let mut at_position = b.constant(EF::ZERO);
            for (&h, &e) in hot.iter().zip(&evals) {
                let term = b.mul(h, e);
                at_position = b.add(at_position, term);
            }
            b.assert_eq(at_position, folded, "the folded value sits in its row");
            consumed += log_arity;
            let log_folded = height - log_arity;
            let s = reversed_power(
                b,
                F::two_adic_generator(height),
                &bits[consumed..],
                log_folded,
            );
            folded = fold_row(b, s, log_arity, beta, &evals);
            fold_rows[round].push(row_native);
            fold_indices[round].push(indices[q] >> consumed);
            fold_cells[round].push((evals, consumed));
            height = log_folded;
            if let Some(&ro) = reduced.get(&height) {
                let beta_pow = pow(b, beta, arity as u64);
                let rolled = b.mul(beta_pow, ro);
                folded = b.add(folded, rolled);
                rolled_in += 1;
            }
        }
        if height != log_final || rolled_in != reduced.len() {
            return Err("the folding schedule does not reach the final polynomial".into());
        }
        let x = reversed_power(b, g_max, &bits[consumed..], log_max);
        // The final polynomial at x (coefficient i of x^i), by Horner.
        let mut eval = b.constant(EF::ZERO);
        for &coefficient in final_poly.iter().rev() {
            let scaled = b.mul(eval, x);
            eval = b.add(scaled, coefficient);
        }
        b.assert_eq(eval, folded, "the folded value is the final polynomial's");
    }

    // Each folding commitment's rows at every query.
    let mut height = log_max;
    for (round, &log_arity) in log_arities.iter().enumerate() {
        let log_folded = height - log_arity;
        let arity = 1 << log_arity;
        let dims = [Dimensions {
            width: 4 * arity,
            height: 1 << log_folded,
        }];
        let flat: Vec<Vec<Vec<F>>> = fold_rows[round]
            .iter()
            .map(|row| {
                vec![row
                    .iter()
                    .flat_map(|x| x.as_basis_coefficients_slice().to_vec())
                    .collect()]
            })
            .collect();
        let cap_height = log_folded.min(p.cap_height);
        let paths: Vec<Path> = match fri {
            Some(f) => fold_mmcs
                .restore_and_recompute_paths(
                    &dims,
                    &fold_indices[round],
                    &flat,
                    &f.commit_phase_openings[round].opening_proof,
                )
                .map_err(|e| format!("folding round {round}: {e:?}"))?
                .into_iter()
                .map(|path| path.siblings)
                .collect(),
            None => vec![vec![[F::ZERO; 8]; log_folded - cap_height]; p.num_queries],
        };
        let cap = &fold_caps[round];
        let cap_values: Vec<[F; 8]> = cap
            .chunks(8)
            .map(|d| std::array::from_fn(|k| b.felt_value(d[k])))
            .collect();
        let root = mmcs::cap_root(b, &digests(cap));
        for (q, path) in paths.iter().enumerate() {
            let (evals, consumed) = &fold_cells[round][q];
            let row: Vec<Felt> = evals.iter().flat_map(|&e| split(b, e)).collect();
            let siblings: Vec<Digest> = path.iter().map(|d| d.map(|x| b.witness_felt(x))).collect();
            let above: Vec<Digest> = cap_siblings(
                &cap_values,
                fold_indices[round][q] >> (log_folded - cap_height),
            )
            .iter()
            .map(|d| d.map(|x| b.witness_felt(x)))
            .collect();
            mmcs::verify(
                b,
                root,
                &[log_folded],
                &queries[q][*consumed..],
                &Opening {
                    rows: vec![row],
                    siblings,
                    cap_siblings: above,
                },
            );
        }
        height = log_folded;
    }
    Ok(())
}
