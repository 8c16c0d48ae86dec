/// A model whose agents can say how they are doing, so that what an agent decided can be scored
/// by what followed it. `agora export trajectories` replays a run and, at the end of every tick,
/// reads these totals for the agents whose LLM decisions it scores; a reward over N ticks is the
/// change of a total over those ticks (`docs/trajectories.md`).
///
/// Totals are read between ticks, on a run held in one process, so an implementation may read any
/// agent's columns. It must not change the model's state: a scored replay keeps the run's digest.
public protocol OutcomeReporting: Model {
    /// The totals `outcomes(of:)` gives, in its order, named as exports show them (`wealth`,
    /// `likes_received`, `followers`).
    var outcomeNames: [String] { get }
    /// Agent `agent`'s totals at the end of the tick just run, one per name of `outcomeNames`.
    func outcomes(of agent: Int) -> [Double]
}
