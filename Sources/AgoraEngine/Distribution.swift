import AgoraCore
import Foundation

/// A simulation's share of a run spread over processes: which shards each process hosts, and what
/// the processes sent each other.
final class Distribution: ProcessGroup, @unchecked Sendable {
    let group: any ProcessGroup
    /// Per process, its shards and their agents (contiguous, ascending).
    let shardsOf: [Range<Int>]
    let agentsOf: [Range<Int>]
    let syncPoints: Set<SyncPoint>
    var stats = TransportStats()
    var summaryShared = false

    init(group: any ProcessGroup, layout: ShardLayout, syncPoints: [SyncPoint]) {
        self.group = group
        shardsOf = (0..<group.size).map { group.shards(of: $0, shardCount: layout.shardCount) }
        agentsOf = (0..<group.size).map { layout.agents(ofProcess: $0, processes: group.size) }
        self.syncPoints = Set(syncPoints)
    }

    var rank: Int { group.rank }
    var size: Int { group.size }

    /// `group.exchange`, counted; what the model's serial hooks exchange is counted with the rest.
    func exchange(_ outgoing: [[UInt8]]) -> [[UInt8]] {
        let start = DispatchTime.now().uptimeNanoseconds
        let incoming = group.exchange(outgoing)
        stats.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        stats.exchanges += 1
        for (d, bytes) in outgoing.enumerated() where d != rank { stats.bytesSent += bytes.count }
        return incoming
    }
}

extension Simulation {
    /// What this process sent and received, when the run is spread over processes.
    public var transport: TransportStats? { distribution?.stats }

    /// How many processes the run is spread over.
    public var processCount: Int { distribution?.size ?? 1 }

    /// After decide: every process sends each other the messages its shards addressed to that
    /// process's shards, and files what it receives under the sending shards, so that every inbox
    /// reads in the canonical order (source shard, then send order) as in one process.
    func exchangeMessages() {
        guard let d = distribution else { return }
        let local = localShards
        var outgoing = [[UInt8]](repeating: [], count: d.size)
        for p in 0..<d.size where p != d.rank {
            var w = StateWriter()
            for s in local { for t in d.shardsOf[p] { mailbox.write(source: s, destination: t, into: &w) } }
            outgoing[p] = w.bytes
        }
        let incoming = d.exchange(outgoing)
        for p in 0..<d.size where p != d.rank {
            var r = StateReader(incoming[p])
            do {
                for s in d.shardsOf[p] { for t in local { try mailbox.read(source: s, destination: t, from: &r) } }
            } catch {
                preconditionFailure("the messages from process \(p) do not read: \(error)")
            }
        }
    }

    /// At a sync point the model asked for: every process shares what its shards wrote, and takes in
    /// every other's, in process order.
    func sync(_ point: SyncPoint) {
        guard let d = distribution, d.syncPoints.contains(point), let m = model as? any DistributedModel else { return }
        var w = StateWriter()
        m.share(point, shards: localShards, agents: d.agentsOf[d.rank], into: &w)
        let incoming = d.allGather(w.bytes)
        for p in 0..<d.size where p != d.rank {
            var r = StateReader(incoming[p])
            do {
                try m.absorb(point, shards: d.shardsOf[p], agents: d.agentsOf[p], from: &r)
            } catch {
                preconditionFailure("the \(point) state of process \(p) does not read: \(error)")
            }
            precondition(r.isAtEnd, "the \(point) state of process \(p) has bytes left over")
        }
    }

    /// The tick's event hashes, counters and message count, summed over processes (in process
    /// order; the sums are order-free anyway), so that every process sees the whole tick's.
    func sumOverProcesses(_ hashes: inout [EventSetHash], _ counters: inout [Int64], _ sent: inout Int) {
        guard let d = distribution else { return }
        var w = StateWriter()
        for h in hashes { w.write(h.lane0); w.write(h.lane1); w.write(h.count) }
        for c in counters { w.write(c) }
        w.write(sent)
        let incoming = d.allGather(w.bytes)
        for k in hashes.indices { hashes[k] = EventSetHash() }
        for k in counters.indices { counters[k] = 0 }
        sent = 0
        for p in 0..<d.size {
            var r = StateReader(incoming[p])
            do {
                for k in hashes.indices {
                    hashes[k].merge(EventSetHash(lane0: try r.uint64(), lane1: try r.uint64(), count: try r.uint64()))
                }
                for k in counters.indices { counters[k] &+= try r.int64() }
                sent += try r.int()
            } catch {
                preconditionFailure("the tick totals of process \(p) do not read: \(error)")
            }
        }
    }

    /// The model's end-of-run figures; spread over processes, after its last sync point.
    func shareForSummary() {
        guard let d = distribution, !d.summaryShared else { return }
        d.summaryShared = true
        sync(.beforeSummary)
    }
}
