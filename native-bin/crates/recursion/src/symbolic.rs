//! A table's constraints as program operations: Plonky3's symbolic form of
//! them (the table's own and its buses', as `p3-batch-stark` derives them)
//! evaluated over cells, so a change to a circuit needs no change here.
//! Shared subexpressions (the symbolic trees share nodes) are evaluated once.

use std::collections::HashMap;
use std::sync::Arc;

use bento_stark::{PrimeCharacteristicRing, EF, F};
use p3_air::symbolic::{
    BaseEntry, BaseLeaf, ExtEntry, ExtLeaf, SymbolicExpr, SymbolicExpression, SymbolicExpressionExt,
};

use crate::ir::{Builder, Ext, Felt};

/// What a table's symbolic variables stand for at the point the constraints
/// are evaluated: its opened columns, selectors, public values and the
/// lookup argument's challenges.
pub struct Point<'a> {
    pub main_local: &'a [Ext],
    pub main_next: &'a [Ext],
    pub preprocessed_local: &'a [Ext],
    pub preprocessed_next: &'a [Ext],
    pub public_values: &'a [Felt],
    pub periodic_values: &'a [Ext],
    pub is_first_row: Ext,
    pub is_last_row: Ext,
    pub is_transition: Ext,
    pub permutation_local: &'a [Ext],
    pub permutation_next: &'a [Ext],
    pub permutation_challenges: &'a [Ext],
    pub permutation_values: &'a [Ext],
}

pub struct Evaluator<'a> {
    point: Point<'a>,
    base: HashMap<usize, Ext>,
    ext: HashMap<usize, Ext>,
}

fn window(local: &[Ext], next: &[Ext], offset: usize, index: usize) -> Ext {
    match offset {
        0 => local[index],
        1 => next[index],
        _ => panic!("constraints read only the current and the next row"),
    }
}

impl<'a> Evaluator<'a> {
    pub fn new(point: Point<'a>) -> Evaluator<'a> {
        Evaluator {
            point,
            base: HashMap::new(),
            ext: HashMap::new(),
        }
    }

    fn base_leaf(&self, b: &mut Builder, leaf: &BaseLeaf<F>) -> Ext {
        let p = &self.point;
        match leaf {
            BaseLeaf::Variable(v) => match v.entry {
                BaseEntry::Main { offset } => window(p.main_local, p.main_next, offset, v.index),
                BaseEntry::Preprocessed { offset } => {
                    window(p.preprocessed_local, p.preprocessed_next, offset, v.index)
                }
                BaseEntry::Public => p.public_values[v.index].into(),
                BaseEntry::Periodic => p.periodic_values[v.index],
            },
            BaseLeaf::IsFirstRow => p.is_first_row,
            BaseLeaf::IsLastRow => p.is_last_row,
            BaseLeaf::IsTransition => p.is_transition,
            BaseLeaf::Constant(c) => b.constant(EF::from(*c)),
        }
    }

    fn ext_leaf(&mut self, b: &mut Builder, leaf: &ExtLeaf<F, EF>) -> Ext {
        let p = &self.point;
        match leaf {
            ExtLeaf::Base(e) => self.eval_base(b, e),
            ExtLeaf::ExtVariable(v) => match v.entry {
                ExtEntry::Permutation { offset } => {
                    window(p.permutation_local, p.permutation_next, offset, v.index)
                }
                ExtEntry::Challenge => p.permutation_challenges[v.index],
                ExtEntry::PermutationValue => p.permutation_values[v.index],
            },
            ExtLeaf::ExtConstant(c) => b.constant(*c),
        }
    }

    /// The value of a base-field constraint expression.
    pub fn eval_base(&mut self, b: &mut Builder, e: &SymbolicExpression<F>) -> Ext {
        match e {
            SymbolicExpr::Leaf(leaf) => self.base_leaf(b, leaf),
            SymbolicExpr::Add { x, y, .. } => {
                let (x, y) = (self.shared_base(b, x), self.shared_base(b, y));
                b.add(x, y)
            }
            SymbolicExpr::Sub { x, y, .. } => {
                let (x, y) = (self.shared_base(b, x), self.shared_base(b, y));
                b.sub(x, y)
            }
            SymbolicExpr::Neg { x, .. } => {
                let x = self.shared_base(b, x);
                b.affine(-EF::ONE, x, EF::ZERO)
            }
            SymbolicExpr::Mul { x, y, .. } => match (constant_of(x), constant_of(y)) {
                (Some(k), _) => {
                    let y = self.shared_base(b, y);
                    b.affine(EF::from(k), y, EF::ZERO)
                }
                (_, Some(k)) => {
                    let x = self.shared_base(b, x);
                    b.affine(EF::from(k), x, EF::ZERO)
                }
                _ => {
                    let (x, y) = (self.shared_base(b, x), self.shared_base(b, y));
                    b.mul(x, y)
                }
            },
        }
    }

    fn shared_base(&mut self, b: &mut Builder, e: &Arc<SymbolicExpression<F>>) -> Ext {
        let key = Arc::as_ptr(e) as usize;
        if let Some(&v) = self.base.get(&key) {
            return v;
        }
        let v = self.eval_base(b, e);
        self.base.insert(key, v);
        v
    }

    /// The value of an extension-field constraint expression.
    pub fn eval_ext(&mut self, b: &mut Builder, e: &SymbolicExpressionExt<F, EF>) -> Ext {
        match e {
            SymbolicExpr::Leaf(leaf) => self.ext_leaf(b, leaf),
            SymbolicExpr::Add { x, y, .. } => {
                let (x, y) = (self.shared_ext(b, x), self.shared_ext(b, y));
                b.add(x, y)
            }
            SymbolicExpr::Sub { x, y, .. } => {
                let (x, y) = (self.shared_ext(b, x), self.shared_ext(b, y));
                b.sub(x, y)
            }
            SymbolicExpr::Neg { x, .. } => {
                let x = self.shared_ext(b, x);
                b.affine(-EF::ONE, x, EF::ZERO)
            }
            SymbolicExpr::Mul { x, y, .. } => {
                let (x, y) = (self.shared_ext(b, x), self.shared_ext(b, y));
                b.mul(x, y)
            }
        }
    }

    fn shared_ext(&mut self, b: &mut Builder, e: &Arc<SymbolicExpressionExt<F, EF>>) -> Ext {
        let key = Arc::as_ptr(e) as usize;
        if let Some(&v) = self.ext.get(&key) {
            return v;
        }
        let v = self.eval_ext(b, e);
        self.ext.insert(key, v);
        v
    }
}

fn constant_of(e: &SymbolicExpression<F>) -> Option<F> {
    match e {
        SymbolicExpr::Leaf(BaseLeaf::Constant(c)) => Some(*c),
        _ => None,
    }
}
