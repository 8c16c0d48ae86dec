/// Prices are integer ticks of the instrument's tick size: never floating point, so matching and
/// accounting are exact and identical on every machine.
public typealias Price = Int64

/// Quantities are integer lots.
public typealias Quantity = Int64

/// A tick of simulated time, counted from 0.
public typealias Tick = Int
