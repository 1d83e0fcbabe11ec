//! Column layouts as `#[repr(C)]` structs of one element type, viewed over a
//! trace row: the constraint code and the trace generator name columns, never
//! offsets.

/// A struct made only of `T` fields and arrays of `T`, laid out contiguously.
///
/// # Safety
/// Implementors must be `#[repr(C)]` and contain nothing but `T`s (directly or
/// in arrays), so that the struct and `[T; WIDTH]` share a layout.
pub unsafe trait Columns<T>: Sized {
    const WIDTH: usize = std::mem::size_of::<Self>() / std::mem::size_of::<T>();

    fn view(row: &[T]) -> &Self {
        assert_eq!(row.len(), Self::WIDTH, "row width");
        // SAFETY: the trait's contract makes Self a sequence of WIDTH Ts.
        unsafe { &*(row.as_ptr() as *const Self) }
    }

    fn view_mut(row: &mut [T]) -> &mut Self {
        assert_eq!(row.len(), Self::WIDTH, "row width");
        // SAFETY: as in `view`.
        unsafe { &mut *(row.as_mut_ptr() as *mut Self) }
    }
}

/// Implements [`Columns`] for generic column structs `Name<T>` (exported for
/// the recursion circuit's tables).
#[macro_export]
macro_rules! columns {
    ($($name:ident),* $(,)?) => {
        $(
            // SAFETY: each struct is #[repr(C)] with only T fields (checked by its tests).
            unsafe impl<T> $crate::columns::Columns<T> for $name<T> {}
        )*
    };
}
pub(crate) use columns;
