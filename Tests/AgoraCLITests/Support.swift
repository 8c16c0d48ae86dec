import Foundation

/// The repository root, found from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

/// The `agora` binary built beside this test bundle.
let agoraBinary: String = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    // On macOS the test bundle is a directory several levels deep.
    for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("agora").path) {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("agora").path
}()

struct Outcome {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// The catalog every test run records into, away from the repository's `runs/`.
let testCatalog = NSTemporaryDirectory() + "agora-cli-tests-\(getpid())/catalog.sqlite"

/// Runs `executable` and waits for it; stdout and stderr are read together, so neither can block it.
func launch(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
            directory: URL? = repositoryRoot) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.currentDirectoryURL = directory
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let errData = ErrorBytes()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData.wait(), as: UTF8.self))
}

/// Bytes another thread reads to the end.
final class ErrorBytes: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func set(_ d: Data) { data = d; done.signal() }
    func wait() -> Data { done.wait(); return data }
}

/// The environment for `agora` in tests: the caller's, less any OPENAI_* variable (no test reaches a
/// real endpoint), with the test catalog and `extra`.
func testEnvironment(catalog: String, _ extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") }
    environment["AGORA_CATALOG"] = catalog
    environment.merge(extra) { $1 }
    return environment
}

/// Starts `executable` from the repository root with its output discarded, and returns at once:
/// for tests that kill what they start.
func startInBackground(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.currentDirectoryURL = repositoryRoot
    p.environment = environment
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
}

/// Runs `agora` with `arguments` from the repository root and waits for it.
func agora(_ arguments: [String], catalog: String = testCatalog, environment extra: [String: String] = [:]) throws -> Outcome {
    try launch(agoraBinary, arguments, environment: testEnvironment(catalog: catalog, extra))
}

/// Runs `agora` under `mpirun -np ranks` from the repository root (as root where need be); a hung
/// rank fails the test instead of stalling the suite.
func mpirun(_ ranks: Int, _ arguments: [String], catalog: String) throws -> Outcome {
    try launch("/usr/bin/mpirun", ["-np", String(ranks), "--oversubscribe", "--timeout", "300", agoraBinary] + arguments,
               environment: testEnvironment(catalog: catalog, ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]))
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "agora-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Compares `text` with the golden file `name`; `AGORA_UPDATE_GOLDEN=1` rewrites it instead.
func matchesGolden(_ text: String, _ name: String) throws -> Bool {
    let url = goldenFolder.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["AGORA_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: goldenFolder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return true
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    return golden == text
}
