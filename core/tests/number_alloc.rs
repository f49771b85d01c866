//! The screening hot path allocates nothing: `parse` on every kind of input, counted by
//! a global allocator that tallies this thread's allocations.

use ringfence_core::number::{parse, Caller, Region};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn parse_allocates_nothing() {
    let inputs: Vec<(&str, &str)> = vec![
        ("KR", "+82 10-1234-5678"),
        ("KR", "010-1234-5678"),
        ("KR", "０１０－１２３４－５６７８"),
        ("KR", "1588-1234"),
        ("KR", "112"),
        ("KR", "00700-1-212-736-5000"),
        ("KR", "821012345678"),
        ("KR", "tel:010-1234-5678;phone-context=+82"),
        ("US", "(212) 736-5000"),
        ("US", "1-800-FLOWERS"),
        ("US", "+1 212 736 5000 ext. 5"),
        ("US", "sip:+12127365000@example.net"),
        ("CN", "95588"),
        ("CN", "+86 138 1234 5678"),
        ("AR", "011 15-2345-6789"),
        ("BR", "0 21 11 98765 4321"),
        ("DE", "anonymous"),
        ("DE", "Unbekannt"),
        ("DE", ""),
        ("DE", "'; DROP TABLE x; --"),
        ("DE", "+999 1234"),
        ("DE", "\u{202E}+49 30 12345678"),
    ];
    let homes: Vec<(Region, &str)> = inputs.iter().map(|(h, raw)| (h.parse().unwrap(), *raw)).collect();
    let long = "9".repeat(100_000);
    let before = ALLOCATIONS.with(Cell::get);
    let mut numbers = 0;
    for _ in 0..10 {
        for (home, raw) in &homes {
            numbers += matches!(parse(raw, *home), Caller::Number(_)) as usize;
        }
        let _ = parse(&long, Region::US);
    }
    let after = ALLOCATIONS.with(Cell::get);
    assert_eq!(after - before, 0, "parse allocated");
    // The counter itself works.
    let v = std::hint::black_box(vec![1u8; 3]);
    assert_eq!(ALLOCATIONS.with(Cell::get), after + 1, "{v:?}");
    assert!(numbers > 100);
}
