//! The hooks' types: what a hook returns, and the forms `post_load`, a field's `validate` and
//! `exists` may take, told apart by sealed traits.

/// What a hook may return: `()` or `Result<(), E>` with an `E` that converts into a
/// `Box<dyn std::error::Error + Send + Sync>`, as `?` converts: a `std::error::Error + Send +
/// Sync + 'static` type, that box itself, `anyhow::Error`, a `String` or a `&str`. The load's
/// error holds it ([`ErrorKind::Hook`](crate::ErrorKind::Hook) or `Validation`'s `source`),
/// its message in the load error's.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(post_load = "Self::after_load", validate = "Self::sane")]
/// struct Uart { lcr: u8 }
/// impl Uart {
///     fn after_load(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///         Ok(())
///     }
///     fn sane(&self) -> Result<(), String> {
///         match self.lcr {
///             0xff => Err(format!("lcr {:#x} is no line setting", self.lcr)),
///             _ => Ok(()),
///         }
///     }
/// }
///
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 0xff }).unwrap();
/// let err = vmstate_core::from_bytes(&mut Uart { lcr: 3 }, &bytes).unwrap_err();
/// assert!(err.to_string().contains("lcr 0xff is no line setting"), "{err}");
/// ```
#[diagnostic::on_unimplemented(
    message = "a vmstate hook must return `()` or `Result<(), E>` where `E` converts into `Box<dyn std::error::Error + Send + Sync>` (an error type, `anyhow::Error`, a `String`), not `{Self}`"
)]
pub trait HookOutput {
    /// Converts the hook's return value.
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>>;
}

impl HookOutput for () {
    #[inline]
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Ok(())
    }
}

impl<E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>> HookOutput for Result<(), E> {
    #[inline]
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        self.map_err(Into::into)
    }
}

/// What a `post_load` hook may be: `fn(&mut T)`, or `fn(&mut T, u32)` to receive the version
/// of the state just loaded, as QEMU's `post_load(opaque, version_id)` does. Either returns
/// `()` or `Result<(), E>` ([`HookOutput`]). Implemented for every such function, and sealed:
/// the `Args` parameter only tells the two forms apart.
///
/// The version is the section's for the struct a stream's section holds, the subsection's for
/// a subsection, and the description's own `version` for a nested struct (as QEMU's
/// `VMSTATE_STRUCT` passes it) and for a value a field's `default` supplied. When a load is
/// undone and the hooks run again over the device's previous state, they receive the
/// description's own `version` too: that state is this build's.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer", version = 2, minimum_version = 1, post_load = "Self::after_load")]
/// struct Timer {
///     /// Ticks of 1 MHz; version 1 sent ticks of 1 kHz.
///     count: u32,
/// }
///
/// impl Timer {
///     fn after_load(&mut self, version: u32) {
///         if version < 2 {
///             self.count = self.count.saturating_mul(1000);
///         }
///     }
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer", version = 1)]
/// struct TimerV1 { count: u32 }
///
/// let old = vmstate_core::to_bytes(&TimerV1 { count: 3 })?;
/// let mut timer = Timer::default();
/// vmstate_core::from_bytes(&mut timer, &old)?;
/// assert_eq!(timer.count, 3000);
///
/// let new = vmstate_core::to_bytes(&Timer { count: 5 })?;
/// vmstate_core::from_bytes(&mut timer, &new)?;
/// assert_eq!(timer.count, 5);
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `post_load` hook of `{T}`",
    label = "expected `fn(&mut {T})`, or `fn(&mut {T}, u32)` to receive the loaded version",
    note = "a `post_load` hook takes `&mut {T}`, and may take the version of the loaded state as a `u32` (QEMU's `version_id`)",
    note = "an `unsafe`, `async` or `extern` fn is not one, nor is a function whose lifetime parameters appear in bounds or where clauses (not general enough): call it from a plain `fn(&mut {T})`"
)]
pub trait PostLoadFn<T: ?Sized, Args>: post_load_fn::Sealed<T, Args> {
    /// What the hook returns.
    type Output;
    /// Calls the hook, with `version` when it takes one.
    fn call(self, target: &mut T, version: u32) -> Self::Output;
}

/// Only the two forms of hook are `PostLoadFn`s: the trait is not for other types to implement.
mod post_load_fn {
    pub trait Sealed<T: ?Sized, Args> {}
    impl<T: ?Sized, R, F: FnOnce(&mut T) -> R> Sealed<T, fn(&mut T) -> R> for F {}
    impl<T: ?Sized, R, F: FnOnce(&mut T, u32) -> R> Sealed<T, fn(&mut T, u32) -> R> for F {}
}

impl<T: ?Sized, R, F: FnOnce(&mut T) -> R> PostLoadFn<T, fn(&mut T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, target: &mut T, _version: u32) -> R {
        self(target)
    }
}

impl<T: ?Sized, R, F: FnOnce(&mut T, u32) -> R> PostLoadFn<T, fn(&mut T, u32) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, target: &mut T, version: u32) -> R {
        self(target, version)
    }
}

/// What a field's `validate` function may be: `fn(&T)`, or `fn(T)` for a value that is
/// `Copy` (a register, an enum: clippy's `trivially_copy_pass_by_ref` asks small ones be taken
/// by value). Either returns `()` or `Result<(), E>` ([`HookOutput`]). Implemented for every
/// such function, and sealed: the `Args` parameter only tells the two forms apart.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(Debug)]
/// struct BadDivisor;
/// impl std::fmt::Display for BadDivisor {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("a divisor of 0")
///     }
/// }
/// impl std::error::Error for BadDivisor {}
///
/// fn divisor_ok(divisor: u16) -> Result<(), BadDivisor> {
///     if divisor == 0 { Err(BadDivisor) } else { Ok(()) }
/// }
///
/// fn fifo_ok(fifo: &[u8; 4]) -> Result<(), BadDivisor> {
///     if fifo[0] == 0xff { Err(BadDivisor) } else { Ok(()) }
/// }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "uart")]
/// struct Uart {
///     #[vmstate(validate = "divisor_ok")]
///     divisor: u16,
///     #[vmstate(validate = "fifo_ok")]
///     fifo: [u8; 4],
/// }
///
/// let mut uart = Uart { divisor: 1, fifo: [0; 4] };
/// let zero = vmstate_core::to_bytes(&Uart::default())?;
/// let err = vmstate_core::from_bytes(&mut uart, &zero).unwrap_err();
/// assert!(err.to_string().contains("a divisor of 0"), "{err}");
/// assert_eq!(uart.divisor, 1);
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `validate` function of a `{T}` field",
    label = "expected `fn(&{T})`, or `fn({T})` when `{T}` is `Copy`",
    note = "a field's `validate` function takes the decoded value, by reference or (for a `Copy` value) by value, and returns `()` or `Result<(), E>`; a check of the whole struct is the container's `validate = \"...\"`, `fn(&Self)`"
)]
pub trait ValidateFn<T, Args>: validate_fn::Sealed<T, Args> {
    /// What the function returns.
    type Output;
    /// Calls the function on `value`.
    fn call(self, value: &T) -> Self::Output;
}

/// Only the two forms of function are `ValidateFn`s: the trait is not for other types to
/// implement.
mod validate_fn {
    pub trait Sealed<T, Args> {}
    impl<T, R, F: FnOnce(&T) -> R> Sealed<T, fn(&T) -> R> for F {}
    impl<T: Copy, R, F: FnOnce(T) -> R> Sealed<T, fn(T) -> R> for F {}
}

impl<T, R, F: FnOnce(&T) -> R> ValidateFn<T, fn(&T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, value: &T) -> R {
        self(value)
    }
}

impl<T: Copy, R, F: FnOnce(T) -> R> ValidateFn<T, fn(T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, value: &T) -> R {
        self(*value)
    }
}

/// What a field's `exists` function may be: `fn(&T, u32) -> bool`, QEMU's `field_exists(opaque,
/// version_id)`, or `fn(u32) -> bool` for a test of the version alone (which clippy's pedantic
/// `unused_self` would flag as a method). Implemented for every such function, and sealed: the
/// `Args` parameter only tells the two forms apart.
///
/// ```
/// use vmstate_core::VmState;
///
/// fn from_version_3(version: u32) -> bool {
///     version >= 3
/// }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer", version = 3, minimum_version = 1)]
/// struct Timer {
///     count: u32,
///     #[vmstate(exists = "from_version_3", default)]
///     limit: u32,
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer", version = 2, minimum_version = 1)]
/// struct TimerV2 { count: u32 }
///
/// let mut timer = Timer { count: 0, limit: 9 };
/// vmstate_core::from_bytes(&mut timer, &vmstate_core::to_bytes(&TimerV2 { count: 4 })?)?;
/// assert_eq!((timer.count, timer.limit), (4, 0));
/// vmstate_core::from_bytes(&mut timer, &vmstate_core::to_bytes(&Timer { count: 5, limit: 6 })?)?;
/// assert_eq!((timer.count, timer.limit), (5, 6));
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `exists` function of `{T}`",
    label = "expected `fn(&{T}, u32) -> bool`, or `fn(u32) -> bool` to test the version alone",
    note = "an `exists` function says whether the stream of a version carries the field (QEMU's `field_exists(opaque, version_id)`); it returns `bool`"
)]
pub trait ExistsFn<T: ?Sized, Args>: exists_fn::Sealed<T, Args> {
    /// Calls the function.
    fn call(self, target: &T, version: u32) -> bool;
}

/// Only the two forms of function are `ExistsFn`s: the trait is not for other types to
/// implement.
mod exists_fn {
    pub trait Sealed<T: ?Sized, Args> {}
    impl<T: ?Sized, F: FnOnce(&T, u32) -> bool> Sealed<T, fn(&T, u32) -> bool> for F {}
    impl<T: ?Sized, F: FnOnce(u32) -> bool> Sealed<T, fn(u32) -> bool> for F {}
}

impl<T: ?Sized, F: FnOnce(&T, u32) -> bool> ExistsFn<T, fn(&T, u32) -> bool> for F {
    #[inline(always)]
    fn call(self, target: &T, version: u32) -> bool {
        self(target, version)
    }
}

impl<T: ?Sized, F: FnOnce(u32) -> bool> ExistsFn<T, fn(u32) -> bool> for F {
    #[inline(always)]
    fn call(self, _target: &T, version: u32) -> bool {
        self(version)
    }
}
