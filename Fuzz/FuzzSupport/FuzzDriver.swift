// The parts of a fuzz program that are not the target itself. Built with -DFUZZING and
// -sanitize=fuzzer, `main` writes the target's seeds into the corpus folder and hands
// over to libFuzzer. Built plainly (as `swift build` does), it replays input files (a
// saved crash, a corpus), so a finding can be rerun in a debugger.
import CFuzzer
import Foundation

public enum FuzzDriver {
    static let seedPrefix = "seed-"

    public static func main<T: FuzzTarget>(_ target: T.Type) -> Never {
        #if FUZZING
        writeSeeds(target, arguments: CommandLine.arguments)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
        #else
        replay(target, arguments: CommandLine.arguments)
        exit(0)
        #endif
    }

    /// The first argument that is a folder is the corpus; it gets the target's seeds
    /// (overwritten at each start, so they follow code changes).
    static func writeSeeds<T: FuzzTarget>(_ target: T.Type, arguments: [String]) {
        guard let corpus = arguments.dropFirst().first(where: { !$0.hasPrefix("-") && isDirectory($0) }) else { return }
        for (index, seed) in target.seeds.enumerated() {
            let path = (corpus as NSString).appendingPathComponent("\(seedPrefix)\(index)")
            guard FileManager.default.createFile(atPath: path, contents: Data(seed)) else {
                fail("cannot write the seed \(path)")
            }
        }
    }

    /// Runs every file named (folders: every file in them), or the seeds when nothing is
    /// named.
    static func replay<T: FuzzTarget>(_ target: T.Type, arguments: [String]) {
        var inputs: [[UInt8]] = arguments.count > 1 ? [] : target.seeds
        for path in arguments.dropFirst() {
            let files = isDirectory(path)
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                inputs.append([UInt8](data))
            }
        }
        for input in inputs { input.withUnsafeBytes { target.run($0) } }
        print("\(inputs.count) inputs ran without a crash")
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(1)
    }
}
