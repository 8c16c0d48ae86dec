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

/// Runs `agora` with `arguments` from the repository root and waits for it.
/// The caller's OPENAI_* variables are left out, so no test reaches a real endpoint; `environment`
/// adds variables.
func agora(_ arguments: [String], catalog: String = testCatalog, environment extra: [String: String] = [:]) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: agoraBinary)
    p.arguments = arguments
    p.currentDirectoryURL = repositoryRoot
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") }
    environment["AGORA_CATALOG"] = catalog
    environment.merge(extra) { $1 }
    p.environment = environment
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
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
