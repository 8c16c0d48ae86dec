import AgoraCore
import AgoraStudio
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora studio`: the catalog in a browser, until Ctrl-C.
    struct Studio: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Browse the catalog's runs and sweeps in a browser: reports, comparisons, books at a tick, live runs.",
            discussion: """
            Serves http://127.0.0.1:PORT/ until stopped (Ctrl-C). It only reads: the catalog is \
            opened read-only and run directories are never written. See docs/studio.md.
            """)

        @OptionGroup var catalogOptions: CatalogOptions

        @Option(help: ArgumentHelp("Where to serve: PORT or HOST:PORT (HOST 127.0.0.1 unless given; 0 picks a free port).",
                                   valueName: "[host:]port"))
        var port: String = "8090"

        @Option(help: ArgumentHelp("The token a studio on a non-loopback address asks of every request (default: one generated and printed).",
                                   valueName: "token"))
        var token: String?

        func validate() throws {
            do { _ = try MonitorAddress(parsing: port, option: "--port") } catch { throw ValidationError(error.description) }
            if let token, let problem = MonitorAddress.problem(withToken: token) { throw ValidationError(problem) }
        }

        func run() throws {
            let address = try MonitorAddress(parsing: port, option: "--port")
            let token = token ?? (address.isLoopback ? nil : MonitorAddress.makeToken())
            let server: StudioServer
            do { server = try StudioServer.start(catalog: catalogOptions.path, at: address, token: token) } catch {
                printError("error: \(error)")
                throw Exit.badInput
            }
            // Written straight to the descriptor, so that a script reading the address gets it at once.
            let line = "agora: studio of \(catalogOptions.path) at \(server.url(token: token))"
                + (token != nil && self.token == nil ? "  (the token is printed only here)" : "") + "\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            // Serves until the process is stopped.
            while true { sleep(3_600) }
        }
    }
}
