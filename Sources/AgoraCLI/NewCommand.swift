import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora new`: start a package of one's own.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a package of your own that builds against Agora.",
            subcommands: [NewModel.self])
    }
}

extension AgoraCommand.New {
    /// `agora new model NAME`: a package with a model, its own `agora`, a scenario, a test and a README.
    struct NewModel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "model",
            abstract: "Write a package with a model of your own (the voter model on a grid, to change), ready to build and test.",
            discussion: """
            Writes DIR (default: ./NAME): Package.swift depending on Agora by path, Sources/<Type>/<Type>Model.swift, \
            Sources/NAME-agora (an agora that knows the model), scenarios/NAME.yaml, Tests and a README. \
            `swift build && swift test` in DIR then pass as generated. docs/extending.md explains the parts.
            """)

        @Argument(help: "The model's name, as scenarios write it: lower-case letters, digits and _, starting with a letter.")
        var name: String

        @Option(help: "Where to write the package (default: ./NAME); it must not exist yet.")
        var dir: String?

        @Option(help: "The Agora checkout to depend on (default: the one this agora was built from).")
        var agora: String?

        func validate() throws {
            guard let first = name.first, first.isLetter, first.isLowercase,
                  name.allSatisfy({ ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }), name.count <= 40 else {
                throw ValidationError("'\(name)' is not a model name: lower-case letters, digits and _, starting with a letter")
            }
        }

        func run() throws {
            let checkout = agora ?? Self.builtFrom
            guard FileManager.default.fileExists(atPath: (checkout as NSString).appendingPathComponent("Package.swift")) else {
                printError("error: \(checkout) holds no Agora checkout (no Package.swift); give one with --agora PATH")
                throw Exit.badInput
            }
            let target = dir ?? name
            guard !FileManager.default.fileExists(atPath: target) else {
                printError("error: \(target) already exists; choose another --dir")
                throw Exit.badInput
            }
            let type = Self.typeName(name)
            let absolute = URL(fileURLWithPath: checkout).standardizedFileURL.path
            let files: [(String, String)] = [
                ("Package.swift", NewModelTemplate.package),
                ("Sources/\(type)/\(type)Model.swift", NewModelTemplate.model),
                ("Sources/\(name)-agora/main.swift", NewModelTemplate.main),
                ("scenarios/\(name).yaml", NewModelTemplate.scenario),
                ("Tests/\(type)Tests/\(type)Tests.swift", NewModelTemplate.test),
                ("README.md", NewModelTemplate.readme),
                (".gitignore", ".build/\nPackage.resolved\n"),
            ]
            do {
                for (path, text) in files {
                    let file = (target as NSString).appendingPathComponent(path)
                    try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    let filled = text.replacingOccurrences(of: "__NAME__", with: name).replacingOccurrences(of: "__TYPE__", with: type)
                        .replacingOccurrences(of: "__AGORA__", with: absolute)
                    try Data(filled.utf8).write(to: URL(fileURLWithPath: file))
                }
            } catch {
                printError("error: cannot write \(target): \(error.localizedDescription)")
                throw Exit.failure
            }
            print("wrote \(target)/ (model \(name), type \(type)Model, depending on \(absolute))")
            print("  cd \(target) && swift build && swift test && .build/debug/\(name)-agora run scenarios/\(name).yaml")
        }

        /// `forest_fire` → `ForestFire`.
        static func typeName(_ name: String) -> String {
            name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }

        /// The checkout this agora was built from (its sources' folder, three levels up from here).
        static let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}
