//! What a host sees when a guest fails: a panic, running out of heap and
//! reading past the input are `Error::GuestPanicked` with the guest's
//! message; a stack overflow is a fault naming the address. None hangs.

use crate::common;

use bento_host::{execute, Error, ExecutorEnv, LocalProver, Prover};

fn fail(mode: u32) -> Option<Error> {
    let elf = common::guest("faults")?;
    let env = ExecutorEnv::builder().write(&mode).unwrap().build();
    let executed = execute(env.clone(), &elf).expect_err("the guest fails");
    let proved = LocalProver
        .prove(env, &elf)
        .err()
        .expect("a failing guest is not proved");
    assert_eq!(executed.to_string(), proved.to_string());
    Some(executed)
}

#[test]
fn a_panic_is_an_error_with_the_guests_message() {
    let Some(err) = fail(0) else { return };
    assert!(matches!(err, Error::GuestPanicked(_)), "{err}");
    assert_eq!(err.to_string(), "the guest panicked: panicked at tests/faults/src/main.rs:27:14: the guest gave up on mode 0");
}

#[test]
fn running_out_of_heap_names_the_allocation() {
    let Some(err) = fail(1) else { return };
    assert!(matches!(err, Error::GuestPanicked(_)), "{err}");
    assert!(
        err.to_string()
            .ends_with("memory allocation of 536870912 bytes failed"),
        "{err}"
    );
}

#[test]
fn reading_past_the_input_names_the_type() {
    let Some(err) = fail(2) else { return };
    assert!(
        err.to_string()
            .ends_with("env::read: the input ended before a whole u64"),
        "{err}"
    );
}

#[test]
fn a_stack_overflow_faults_below_guest_memory() {
    let Some(err) = fail(3) else { return };
    assert!(matches!(err, Error::Execution(_)), "{err}");
    assert!(err.to_string().contains("outside guest memory"), "{err}");
}

#[test]
fn other_modes_commit_and_exit_zero() {
    let Some(elf) = common::guest("faults") else {
        return;
    };
    let session = execute(ExecutorEnv::builder().write(&7u32).unwrap().build(), &elf).unwrap();
    assert_eq!(
        (session.exit_code, session.journal.decode::<u32>().unwrap()),
        (0, 7)
    );
}
