#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ringfence_fuzz::server_targets::server_headers(data));
