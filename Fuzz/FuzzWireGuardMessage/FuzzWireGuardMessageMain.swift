// Entry points: libFuzzer calls LLVMFuzzerTestOneInput once per input; main is
// FuzzDriver's (libFuzzer's driver in a fuzz build, a replayer otherwise).
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    WireGuardMessageFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum FuzzWireGuardMessageMain {
    static func main() { FuzzDriver.main(WireGuardMessageFuzzer.self) }
}
