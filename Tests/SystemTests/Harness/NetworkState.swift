// A namespace's networking as `ip -j` shows it (links, addresses, routes and rules of
// both families) plus chosen sysctls and files, to prove a program put back exactly
// what it found.
import XCTest

extension Topology {
    /// Link qdiscs are left out: bringing a link up attaches the default qdisc, which the
    /// kernel keeps after it goes down again.
    func networkState(_ logical: String, sysctls: [String] = [], files: [String] = []) throws -> [String: String] {
        let views = [["link"], ["addr"], ["route", "show", "table", "all"], ["-6", "route", "show", "table", "all"],
                     ["-d", "rule"], ["-6", "-d", "rule"]]
        var result: [String: String] = [:]
        for view in views {
            var text = try run(logical, ["ip", "-j"] + view)
            text = text.replacingOccurrences(of: #""qdisc":"[a-z_]+","#, with: "", options: .regularExpression)
            result["ip " + view.joined(separator: " ")] = text
        }
        for name in sysctls {
            result[name] = try run(logical, "cat", "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/"))
        }
        for path in files {
            result[path] = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<absent>"
        }
        return result
    }
}

func assertSameNetworkState(_ now: [String: String], _ before: [String: String], _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) {
    for (view, text) in before.sorted(by: { $0.key < $1.key }) {
        XCTAssertEqual(now[view], text, "\(message): \(view)", file: file, line: line)
    }
}
