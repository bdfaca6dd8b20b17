//! The native side of `cargo xtask bench`.
//!
//! * `esim-bench native [--codes N] [--reps R]`: the validator and the `csv` crate's
//!   parse-only reader on the generated file, natively (for the wasm/native ratio; also the
//!   program to run under `valgrind --tool=callgrind`).
//! * `esim-bench run --web DIR --dist DIR --out FILE [...]`: everything `cargo xtask bench`
//!   measures after building - the native figures, the bench page in headless Chromium
//!   (through ChromeDriver), the console in `dist/` (a real file chosen in its file input),
//!   the shipped sizes - and writes the results file.
//! * `esim-bench server [--out bench/server.md] [...]`: the server's imports (in process,
//!   through its router) and check-ins (against `esim-server serve` processes), written to
//!   `bench/server.md` (see `docs/server.md`).
//! * `esim-bench xlsx [--dist dist] [--out bench/xlsx.md] [--rows 100000]`: Excel workbooks
//!   in the browser (a 100,000-row workbook converted in the validator page, LPA parsing,
//!   the reader module's size), written to `bench/xlsx.md`.

#[cfg(not(target_arch = "wasm32"))]
mod native;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(error) = native::main(std::env::args().skip(1).collect()) {
        eprintln!("esim-bench: error: {error:#}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
