import AgoraAnalysis
import AgoraCore
import AgoraRuntime
import AgoraSocial
import Foundation

/// The studio's follow network at a tick: rebuilt from a run's log (`FollowRebuild`), shown as
/// its figures, its follower distribution, the most followed people, and one person's
/// neighbourhood drawn around them — whom they follow and who follows them, each a link to that
/// person's own neighbourhood.
extension StudioData {
    func networkPage(_ q: [String: String]) throws -> String {
        let r = try run(q["id"] ?? "")
        guard let tick = Int(q["tick"] ?? ""), tick >= 0 else { throw Missing(description: "tick must be a number from 0") }
        let network: FollowRebuild.Network
        do { network = try FollowRebuild.rebuild(directory: r.runDirectory, atTick: tick) } catch { throw Missing(description: "\(error)") }
        let g = network.graph, n = g.nodeCount
        let followerWord = network.changes ? "followers" : "contacts"
        var counts = [Int](repeating: 0, count: n)
        for v in 0..<n { counts[v] = g.followerCount(v) }
        let person: Int
        if let asked = q["person"], !asked.isEmpty {
            guard let p = Int(asked), (0..<n).contains(p) else { throw Missing(description: "person must be a number from 0 to \(n - 1)") }
            person = p
        } else {
            person = counts.indices.max { (counts[$0], -$0) < (counts[$1], -$1) } ?? 0
        }
        func href(_ p: Int) -> String {
            "/network?id=\(StudioPages.query(r.id))&tick=\(tick)&person=\(p)"
        }
        var body = "<p>\(StudioPages.link("back to the run", "/run?id=" + StudioPages.query(r.id)))</p>"
        body += "<form method=\"get\" action=\"/network\"><input type=\"hidden\" name=\"id\" value=\"\(StudioPages.escape(r.id))\">"
            + "<label>Tick <input type=\"number\" name=\"tick\" min=\"0\" max=\"\(max(0, r.ticks - 1))\" value=\"\(tick)\"></label>"
            + "<label>Person <input type=\"number\" name=\"person\" min=\"0\" max=\"\(n - 1)\" value=\"\(person)\"></label>"
            + "<button type=\"submit\">Rebuild</button></form>"
        body += "<p class=\"quiet\">" + (network.changes
            ? "Who follows whom at the end of tick \(tick): the run's network as it started, then every follow and unfollow the log holds up to the tick."
            : "This model does not change its network: it is the same at every tick, rebuilt from the scenario's network section.") + "</p>"
        let links = g.edgeCount, maxCount = counts.max() ?? 0
        let nobody = counts.indices.filter { counts[$0] == 0 }.count
        let figures: [(String, String)] = [
            ("people", String(n)), ("links (follower → followee)", String(links)), ("links when the run started", String(network.initialLinks)),
            ("follows up to the tick", String(network.follows)), ("unfollows up to the tick", String(network.unfollows)),
            ("mean \(followerWord)", formatNumber(Double(links) / Double(max(1, n)))), ("most \(followerWord)", String(maxCount)),
            ("people with no \(followerWord)", String(nobody)),
        ]
        body += StudioPages.table(["", ""], figures.map { [StudioPages.escape($0.0), StudioPages.escape($0.1)] })
        var histogram = [Int](repeating: 0, count: maxCount + 1)
        for c in counts { histogram[c] += 1 }
        body += ReportParts.chart(title: "\(followerWord.capitalized) per person at tick \(tick) (log-log)", xLabel: followerWord, yLabel: "people",
                                  series: [(name: "people", points: histogram.enumerated().filter { $0.offset > 0 && $0.element > 0 }
                                      .map { (Double($0.offset), Double($0.element)) })], points: true, logX: true, logY: true)
        body += "<h2>Person \(person)</h2>" + Self.neighbourhood(of: person, in: g, counts: counts, word: followerWord, href: href)
        let top = counts.indices.sorted { (counts[$0], -$0) > (counts[$1], -$1) }.prefix(20)
        body += "<h2>The most \(followerWord)</h2>" + StudioPages.table(["person", followerWord], top.map {
            [StudioPages.link(String($0), href($0)), String(counts[$0])]
        })
        return StudioPages.page("\(r.id): the network at tick \(tick)", body)
    }

    /// Whom `person` follows (inner ring; those who follow back in another colour) and who else
    /// follows them (outer ring), the most followed first, at most 40 and 60 drawn; a node's size
    /// grows with its followers, and each links to its own neighbourhood.
    static func neighbourhood(of person: Int, in g: FollowGraph, counts: [Int], word: String, href: (Int) -> String) -> String {
        let followers = Set(g.followers(of: person).map(Int.init))
        let followees = (0..<g.nodeCount).filter { $0 != person && g.follows(person, $0) }
        let others = followers.subtracting(followees)
        func ranked(_ s: some Sequence<Int>) -> [Int] { s.sorted { (counts[$0], -$0) > (counts[$1], -$1) } }
        let inner = Array(ranked(followees).prefix(40)), outer = Array(ranked(others).prefix(60))
        let size = 560.0, c = size / 2
        func radius(_ v: Int) -> Double { 3 + 2.2 * log2(Double(counts[v] + 1)) }
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        let colours = (follows: "#1f77b4", mutual: "#2ca02c", follower: "#ff7f0e", centre: "#d62728")
        var edges = "", nodes = ""
        // The outer ring is turned half a step so that its spokes pass between the inner ring's nodes.
        func ring(_ members: [Int], r: Double, turn: Double, colour: (Int) -> String) {
            for (i, v) in members.enumerated() {
                let a = 2 * Double.pi * (Double(i) + turn) / Double(max(1, members.count)) - Double.pi / 2
                let x = c + r * cos(a), y = c + r * sin(a)
                edges += "<line x1=\"\(f(c))\" y1=\"\(f(c))\" x2=\"\(f(x))\" y2=\"\(f(y))\" stroke=\"#c8ccd2\" stroke-width=\"1\"/>"
                nodes += "<a href=\"\(StudioPages.escape(href(v)))\"><circle class=\"person\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(radius(v)))\" fill=\"\(colour(v))\">"
                    + "<title>person \(v) · \(counts[v]) \(word)</title></circle></a>"
            }
        }
        ring(inner, r: 140, turn: 0) { followers.contains($0) ? colours.mutual : colours.follows }
        ring(outer, r: 240, turn: 0.5) { _ in colours.follower }
        nodes += "<circle class=\"person\" cx=\"\(f(c))\" cy=\"\(f(c))\" r=\"\(f(radius(person) + 3))\" fill=\"\(colours.centre)\">"
            + "<title>person \(person) · \(counts[person]) \(word)</title></circle>"
        let legend = [("person \(person)", colours.centre), ("\(person) follows them", colours.follows), ("they follow each other", colours.mutual),
                      ("they follow \(person)", colours.follower)]
        var key = "", x = 12.0
        for (name, colour) in legend {
            key += "<circle cx=\"\(f(x))\" cy=\"14\" r=\"5\" fill=\"\(colour)\"/><text x=\"\(f(x + 9))\" y=\"18\">\(StudioPages.escape(name))</text>"
            x += 28 + 6.2 * Double(name.count)
        }
        let svg = "<svg class=\"network\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 -28 \(Int(size)) \(Int(size) + 28)\" width=\"\(Int(size))\" "
            + "height=\"\(Int(size) + 28)\" role=\"img\" aria-label=\"the neighbourhood of person \(person)\" data-drawn=\"\(inner.count + outer.count + 1)\">"
            + "<g transform=\"translate(0,-28)\" font-size=\"11\">\(key)</g>\(edges)\(nodes)</svg>"
        let hidden = (followees.count - inner.count, others.count - outer.count)
        var text = "<p>Follows \(followees.count) (\(followees.filter(followers.contains).count) follow back); followed by \(followers.count).</p>"
        if hidden.0 > 0 || hidden.1 > 0 {
            text += "<p class=\"quiet\">Drawn: the \(inner.count) most followed of those they follow and the \(outer.count) most followed of "
                + "their other followers (\(hidden.0 + hidden.1) more not drawn).</p>"
        }
        return text + "<figure>\(svg)</figure>"
    }
}
