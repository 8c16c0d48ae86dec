import AgoraCore
import AgoraDistributed
import Foundation

/// Under `mpirun` with several ranks, every rank must be running the same command on the same
/// world: ranks that disagree (another seed, scenario, `--threads` or `--shards`, or one running
/// `validate` while the others run) would otherwise trip an invariant deep in the engine, or wait
/// for each other for ever. So every rank joins MPI before doing anything else, and the ranks
/// compare what they were asked to do — first their arguments, then, for a run, the facts its
/// world is built from. A mismatch ends every rank with one message, from rank 0, naming what
/// differs.
enum SpreadAgreement {
    /// The commands that go on using MPI after the check; any other finishes MPI at once.
    static let spreadCommands: Set<String> = ["run", "sweep", "bench"]

    /// Joins the ranks and compares their arguments, when a launcher started several; returns
    /// quietly when they agree (or there is one process), else ends this process with code 2.
    static func checkArguments(_ arguments: [String]) {
        guard MPIWorld.launchedByMPI, MPIWorld.launchedSize > 1 else { return }
        let world = MPIWorld.shared
        let facts = [("the command line", "agora " + arguments.joined(separator: " "))]
        if let problem = compare(facts, in: world) { stop(world, problem) }
        if !spreadCommands.contains(arguments.first ?? "") { world.finish() }
    }

    /// Compares named facts (`name`, value) across the ranks of `world`; ends every rank with code
    /// 2 and one message when any rank's differ from rank 0's.
    static func check(_ facts: [(String, String)], in world: MPIWorld?) {
        guard let world, world.isDistributed, world.size > 1 else { return }
        if let problem = compare(facts, in: world) { stop(world, problem) }
    }

    private static func compare(_ facts: [(String, String)], in world: MPIWorld) -> String? {
        var w = StateWriter()
        w.write(facts.count)
        for (name, value) in facts { w.write(name); w.write(value) }
        let gathered: [[UInt8]]
        do { gathered = try world.transfer(Array(repeating: w.bytes, count: world.size)) } catch {
            world.fail("the processes could not compare their arguments: \(error)")
        }
        let lists = gathered.map { bytes -> [(String, String)] in
            var r = StateReader(bytes)
            guard let n = try? r.int(), n >= 0, n < 1_000 else { return [("what it was asked", "unreadable")] }
            return (0..<n).compactMap { _ in (try? r.string()).flatMap { name in (try? r.string()).map { (name, $0) } } }
        }
        return disagreement(lists)
    }

    /// The first fact in which a rank differs from rank 0, as a sentence; nil when all agree.
    static func disagreement(_ lists: [[(String, String)]]) -> String? {
        guard let first = lists.first else { return nil }
        for (rank, list) in lists.enumerated().dropFirst() {
            for (i, (name, value)) in first.enumerated() {
                let theirs = i < list.count && list[i].0 == name ? list[i].1 : nil
                guard theirs != value else { continue }
                return "the processes disagree on \(name): rank 0 has \(quote(value)), rank \(rank) has \(theirs.map(quote) ?? "none"); "
                    + "start every rank with the same command, scenario and settings"
            }
            if list.count > first.count { return "the processes disagree on \(list[first.count].0): rank 0 has none" }
        }
        return nil
    }

    private static func quote(_ s: String) -> String { "'" + (s.count > 200 ? String(s.prefix(200)) + "…" : s) + "'" }

    /// Every rank has found the same problem: rank 0 says it, and all end with code 2.
    private static func stop(_ world: MPIWorld, _ problem: String) -> Never {
        if world.rank == 0 { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
        world.finish()
        exit(2)
    }
}
