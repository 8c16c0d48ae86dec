import AgoraCore

import Foundation

/// Runs a model tick by tick over a fixed number of shards and worker threads.
///
/// The engine owns the phase order, the barriers, message routing and the run digest; the model
/// owns agent state and behaviour. A simulation is built once for a frozen model and stepped
/// forward; it is not reusable across models.
public final class Simulation<M: Model>: @unchecked Sendable {
    public let model: M
    public let layout: ShardLayout
    public let pool: WorkerPool
    /// Why the pool has fewer threads than were asked for, when it does (shown in the run's notes).
    let threadNote: String?
    public internal(set) var digest = RunDigest()
    /// The next tick to run.
    public internal(set) var tick: Tick = 0
    /// Messages delivered over the whole run.
    public internal(set) var messageCount = 0
    /// Where the run's time went.
    public internal(set) var timing = StepTiming()

    /// The model's event kinds, fixed at creation.
    public let kinds: [EventKind]
    let mailbox: Mailbox<M.Message>
    /// One recorder per shard, `recorderStride` bytes apart so that shards never share a cache line.
    private let recorders: UnsafeMutableRawPointer
    /// The recorder of `recordSerial`; its rows are already in canonical order.
    private var serialRecorder: ShardRecorder
    private static var recorderStride: Int { (MemoryLayout<ShardRecorder>.stride + 127) / 128 * 128 }
    /// The shards this process runs: all of them, unless the run is spread over processes.
    public let localShards: Range<Int>
    /// The processes the shards are spread over, when there are several.
    let distribution: Distribution?

    /// - Parameters:
    ///   - shards: how many contiguous slices the agents are split into (≥ 1; ≥ the processes).
    ///   - threads: worker threads, the calling thread included (≥ 1).
    ///   - group: the processes to spread the shards over (nil or one process: all shards here).
    ///     With more than one, the model must be a `DistributedModel`, and every process must build
    ///     the same model and step it in lockstep.
    public init(model: M, shards: Int, threads: Int, logPolicy: LogPolicy = .none, group: (any ProcessGroup)? = nil) {
        precondition(shards >= 1, "shards must be at least 1")
        precondition(threads >= 1, "threads must be at least 1")
        self.model = model
        kinds = model.eventKinds
        precondition(Set(kinds.map(\.id)).count == kinds.count, "event kind ids must be unique")
        layout = ShardLayout(agentCount: model.agentCount, shardCount: shards)
        if let group, group.size > 1 {
            precondition(shards >= group.size, "\(shards) shards cannot be spread over \(group.size) processes")
            precondition(model is any DistributedModel, "this model cannot be spread over processes")
            let d = Distribution(group: group, layout: layout, syncPoints: (model as? any DistributedModel)?.syncPoints ?? [])
            distribution = d
            localShards = d.shardsOf[group.rank]
            (model as? any DistributedModel)?.join(d, agents: d.agentsOf[group.rank])
        } else {
            distribution = nil
            localShards = 0..<shards
        }
        // More threads than shards, or than a few per core, would only wait (or spin) for work.
        let workers = max(1, min(threads, localShards.count, WorkerPool.threadLimit))
        pool = WorkerPool(threads: workers)
        threadNote = workers < threads
            ? "threads: \(threads) asked, \(workers) used (at most one per shard this process runs and \(WorkerPool.threadsPerCore) per core)" : nil
        mailbox = Mailbox(layout: layout)
        serialRecorder = ShardRecorder(kinds: kinds, counterCount: model.counterCount, policy: logPolicy)
        recorders = .allocate(byteCount: shards * Self.recorderStride, alignment: 128)
        for s in 0..<shards {
            (recorders + s * Self.recorderStride).initializeMemory(
                as: ShardRecorder.self, repeating: ShardRecorder(kinds: kinds, counterCount: model.counterCount, policy: logPolicy),
                count: 1)
        }
        model.prepare(layout: layout)
    }

    func recorder(_ shard: Int) -> UnsafeMutablePointer<ShardRecorder> {
        (recorders + shard * Self.recorderStride).assumingMemoryBound(to: ShardRecorder.self)
    }

    deinit {
        for s in 0..<layout.shardCount { recorder(s).deinitialize(count: 1) }
        recorders.deallocate()
    }

    /// Runs one tick: every phase the model uses, in order, each behind a barrier.
    @discardableResult
    public func step() -> TickResult {
        let stepStart = DispatchTime.now().uptimeNanoseconds
        let t = tick
        let phases = model.phases
        let model = self.model
        let layout = self.layout
        let mailbox = self.mailbox
        let recorderPointers = (0..<layout.shardCount).map { UnsafeSendablePointer(recorder($0)) }
        @Sendable func context(_ s: Int) -> ShardContext {
            ShardContext(shard: s, agents: layout.range(of: s), tick: t, layout: layout)
        }
        let local = localShards
        let first = local.lowerBound
        var sent = 0

        if phases.contains(.observe) {
            pool.run(tasks: local.count) { i in model.observe(context(first + i)) }
            sync(.afterObserve)
        }
        if phases.contains(.decide) {
            pool.run(tasks: local.count) { i in
                mailbox.clearRow(shard: first + i)
                model.decide(context(first + i), outbox: mailbox.outbox(shard: first + i))
            }
            sent = mailbox.sentCount(from: local)
            if distribution != nil { exchangeMessages() }
            sync(.afterDecide)
        }
        if phases.contains(.submit) {
            pool.run(tasks: local.count) { i in model.submit(context(first + i)) }
            sync(.afterSubmit)
        }
        if phases.contains(.match) {
            // Exchanges the model makes inside match count as exchanges, not as serial work.
            let start = DispatchTime.now().uptimeNanoseconds, exchanged = distribution?.stats.seconds ?? 0
            model.match(tick: t)
            timing.serialSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 - ((distribution?.stats.seconds ?? 0) - exchanged)
        }
        if phases.contains(.propagate) {
            pool.run(tasks: local.count) { i in model.propagate(context(first + i), inbox: mailbox.inbox(shard: first + i)) }
            sync(.afterPropagate)
        }
        var kindHashes = Array(repeating: EventSetHash(), count: kinds.count)
        var counters = Array(repeating: Int64(0), count: model.counterCount)
        if phases.contains(.record) {
            pool.run(tasks: local.count) { i in
                recorderPointers[first + i].pointer.pointee.reset(tick: t)
                model.record(context(first + i), into: &recorderPointers[first + i].pointer.pointee)
            }
            for s in local {
                let r = recorderPointers[s].pointer.pointee
                for k in kindHashes.indices { kindHashes[k].merge(r.hashes[k]) }
                for (k, v) in r.counters.enumerated() { counters[k] &+= v }
            }
        }
        if distribution != nil {
            sumOverProcesses(&kindHashes, &counters, &sent)
            sync(.afterRecord)
        }
        if phases.contains(.decide) && phases.contains(.propagate) { messageCount += sent }
        let serialStart = DispatchTime.now().uptimeNanoseconds
        serialRecorder.reset(tick: t)
        model.recordSerial(t, into: &serialRecorder)
        for k in kindHashes.indices { kindHashes[k].merge(serialRecorder.hashes[k]) }
        for (k, v) in serialRecorder.counters.enumerated() { counters[k] &+= v }
        var events = EventSetHash()
        if kinds.isEmpty {
            digest.absorb(tick: t, events: events)
        } else {
            for (k, kind) in kinds.enumerated() {
                digest.absorb(tick: t, kind: kind.id, events: kindHashes[k])
                events.merge(kindHashes[k])
            }
        }
        let metrics = model.endTick(t, counters: counters)
        let end = DispatchTime.now().uptimeNanoseconds
        timing.serialSeconds += Double(end - serialStart) / 1e9
        timing.stepSeconds += Double(end - stepStart) / 1e9
        tick += 1
        return TickResult(tick: t, events: events, kindHashes: kindHashes, metrics: metrics)
    }

    /// The string behind a text column's value in the last tick's rows.
    public func loggedString(_ hash: Int64) -> String? {
        if let s = serialRecorder.strings[hash] { return s }
        for s in localShards { if let t = recorder(s).pointee.strings[hash] { return t } }
        return nil
    }

    /// The rows the last tick kept for the log: per kind, shard by shard, each shard's rows in a
    /// stable order by agent (shards are contiguous, so this is the same for any shard count), then
    /// the rows of `recordSerial` in the order recorded. `part` picks this process's shards' rows,
    /// the serial rows, or both; spread over processes, each writes its shards' rows to its own log
    /// segment and process 0 the serial ones to the main log (`LogMerge` puts them together).
    public func loggedRows(_ part: LoggedPart, _ body: (_ kind: EventKind, _ rows: UnsafeBufferPointer<Int64>, _ width: Int) -> Void) {
        for (k, kind) in kinds.enumerated() {
            let stride = 1 + kind.columns.count  // rows in the recorder are agent + values; the tick is added by the log
            if part != .serial {
                for s in localShards { shardRows(s, kind: k, stride: stride) { body(kind, $0, stride) } }
            }
            let serial = serialRecorder.rows[k]
            if part != .shards && !serial.isEmpty { serial.withUnsafeBufferPointer { body(kind, $0, stride) } }
        }
    }

    /// The rows shard `s` kept of kind slot `k`, in agent order (stable).
    func shardRows(_ s: Int, kind k: Int, stride: Int, _ body: (UnsafeBufferPointer<Int64>) -> Void) {
        let rows = recorder(s).pointee.rows[k]
        guard !rows.isEmpty else { return }
        if Self.sortedByAgent(rows, stride: stride) {
            rows.withUnsafeBufferPointer { body($0) }
        } else {
            let n = rows.count / stride
            let order = (0..<n).sorted { a, b in rows[a * stride] != rows[b * stride] ? rows[a * stride] < rows[b * stride] : a < b }
            var sorted: [Int64] = []
            sorted.reserveCapacity(rows.count)
            for r in order { sorted.append(contentsOf: rows[(r * stride)..<((r + 1) * stride)]) }
            sorted.withUnsafeBufferPointer { body($0) }
        }
    }

    static func sortedByAgent(_ rows: [Int64], stride: Int) -> Bool {
        var previous = Int64.min
        var i = 0
        while i < rows.count {
            if rows[i] < previous { return false }
            previous = rows[i]
            i += stride
        }
        return true
    }

    /// Runs `count` ticks, calling `onTick` after each.
    public func run(ticks count: Int, onTick: (TickResult) -> Void = { _ in }) {
        for _ in 0..<count { onTick(step()) }
    }
}

/// Which of a tick's logged rows: this process's shards', the serial hooks', or both.
public enum LoggedPart: Sendable {
    case all, shards, serial
}

/// Where a simulation's time went: whole steps, and within them the serial hooks (`match`,
/// `recordSerial`, `endTick`) that every process of a spread run runs whole. The rest is the
/// parallel phases and, spread over processes, the exchanges between them (`TransportStats`).
public struct StepTiming: Sendable {
    public var stepSeconds = 0.0
    public var serialSeconds = 0.0
    public init() {}
}

/// What one tick produced.
public struct TickResult: Sendable {
    public let tick: Tick
    /// All the tick's events, every kind together.
    public let events: EventSetHash
    /// The tick's events per kind, in the order of the model's `eventKinds`.
    public let kindHashes: [EventSetHash]
    public let metrics: [Double]
}

/// A raw pointer that crosses into the worker pool. Safe because each shard touches only its own
/// element, and the pool's barrier orders every access.
struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
