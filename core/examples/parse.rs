use ringfence_core::number::{parse, Region};
fn main() {
    let mut args = std::env::args().skip(1);
    let home: Region = args.next().unwrap().parse().unwrap();
    for a in args {
        println!("{a:?} -> {:?}", parse(&a, home));
    }
}
