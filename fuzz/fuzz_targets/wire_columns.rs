#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ringfence_fuzz::targets::wire_columns(data));
