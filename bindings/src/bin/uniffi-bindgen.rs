//! `cargo run -p ringfence-ffi --bin uniffi-bindgen -- generate --library <lib> ...`
//! The bindgen lives here so it always matches the uniffi runtime the library uses.
fn main() {
    uniffi::uniffi_bindgen_main()
}
