// The path-compressed binary trie behind AllowedIPs, for one address family.
// Keys are up to 128 bits held as two host-order words (IPv4 uses the top 32 bits of
// `high`). Nodes live in one array and refer to each other by index, so a lookup walks
// plain structs: no reference counting, no allocation, at most one node per bit.

/// A node's payload slot: an index chosen by the owner, or `noSlot`.
typealias TrieSlot = Int32

struct AllowedIPsTrie {
    static let noSlot: TrieSlot = -1
    static let noNode: Int32 = -1

    struct Node {
        var high: UInt64
        var low: UInt64
        var length: Int
        var slot: TrieSlot
        var children: (Int32, Int32) = (AllowedIPsTrie.noNode, AllowedIPsTrie.noNode)
        var parent: Int32
        var inUse = true
    }

    /// 32 for IPv4, 128 for IPv6.
    let maxLength: Int
    private(set) var nodes: [Node] = []
    private var freeNodes: [Int32] = []
    private var root: Int32 = AllowedIPsTrie.noNode

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    // MARK: bit helpers

    static func mask(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length <= 0 ? 0 : (length >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - length))
        let low: UInt64 = length <= 64 ? 0 : (length >= 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
        return (high, low)
    }

    /// Bit `index` counted from the most significant bit of `high`.
    @inline(__always)
    static func bit(_ high: UInt64, _ low: UInt64, at index: Int) -> Int {
        index < 64 ? Int((high >> UInt64(63 - index)) & 1) : Int((low >> UInt64(127 - index)) & 1)
    }

    /// How many leading bits two keys share.
    static func commonLength(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> Int {
        let xh = a.0 ^ b.0
        if xh != 0 { return xh.leadingZeroBitCount }
        return 64 + (a.1 ^ b.1).leadingZeroBitCount
    }

    @inline(__always)
    private static func matches(_ node: Node, _ high: UInt64, _ low: UInt64) -> Bool {
        let (mh, ml) = mask(node.length)
        return (high & mh) == node.high && (low & ml) == node.low
    }

    // MARK: lookup (hot path)

    /// The slot of the longest prefix holding the key, or `noSlot`.
    func lookup(high: UInt64, low: UInt64) -> TrieSlot {
        nodes.withUnsafeBufferPointer { nodes in
            var best = AllowedIPsTrie.noSlot
            var index = root
            while index >= 0 {
                let node = nodes[Int(index)]
                guard AllowedIPsTrie.matches(node, high, low) else { break }
                if node.slot != AllowedIPsTrie.noSlot { best = node.slot }
                if node.length >= maxLength { break }
                let b = AllowedIPsTrie.bit(high, low, at: node.length)
                index = b == 0 ? node.children.0 : node.children.1
            }
            return best
        }
    }

    /// The node holding exactly this (masked) prefix, if any.
    func find(high: UInt64, low: UInt64, length: Int) -> Int32? {
        var index = root
        while index >= 0 {
            let node = nodes[Int(index)]
            guard node.length <= length, AllowedIPsTrie.matches(node, high, low) else { return nil }
            if node.length == length { return index }
            index = child(of: node, toward: (high, low))
        }
        return nil
    }

    // MARK: insertion

    /// Points a prefix (already masked) at `slot`; returns the slot it held before.
    @discardableResult
    mutating func insert(high: UInt64, low: UInt64, length: Int, slot: TrieSlot) -> TrieSlot {
        let key = (high, low)
        guard root >= 0 else {
            root = makeNode(key, length, slot, parent: AllowedIPsTrie.noNode)
            return AllowedIPsTrie.noSlot
        }
        var index = root
        while true {
            let node = nodes[Int(index)]
            let common = min(AllowedIPsTrie.commonLength((node.high, node.low), key), node.length, length)
            if common == node.length && common == length {
                nodes[Int(index)].slot = slot
                return node.slot
            }
            if common == node.length {
                let next = child(of: node, toward: key)
                if next >= 0 { index = next; continue }
                let leaf = makeNode(key, length, slot, parent: index)
                setChild(of: index, toward: key, to: leaf)
                return AllowedIPsTrie.noSlot
            }
            splitAbove(index, key: key, length: length, common: common, slot: slot)
            return AllowedIPsTrie.noSlot
        }
    }

    /// Puts the new prefix above `index`, directly or through a valueless fork.
    private mutating func splitAbove(_ index: Int32, key: (UInt64, UInt64), length: Int, common: Int, slot: TrieSlot) {
        let existing = nodes[Int(index)]
        let parent = existing.parent
        let top: Int32
        if common == length {
            top = makeNode(key, length, slot, parent: parent)
        } else {
            let (mh, ml) = AllowedIPsTrie.mask(common)
            top = makeNode((key.0 & mh, key.1 & ml), common, AllowedIPsTrie.noSlot, parent: parent)
            let leaf = makeNode(key, length, slot, parent: top)
            setChild(of: top, toward: key, to: leaf)
        }
        setChild(of: top, toward: (existing.high, existing.low), to: index)
        nodes[Int(index)].parent = top
        replaceLink(parent: parent, from: index, to: top)
    }

    // MARK: removal

    /// Clears a prefix; returns the slot it held, or nil if absent.
    mutating func remove(high: UInt64, low: UInt64, length: Int) -> TrieSlot? {
        guard let index = find(high: high, low: low, length: length),
              nodes[Int(index)].slot != AllowedIPsTrie.noSlot else { return nil }
        let old = nodes[Int(index)].slot
        nodes[Int(index)].slot = AllowedIPsTrie.noSlot
        prune(index)
        return old
    }

    /// Drops valueless nodes that no longer fork, walking up from `start`.
    private mutating func prune(_ start: Int32) {
        var index = start
        while index >= 0 {
            let node = nodes[Int(index)]
            guard node.slot == AllowedIPsTrie.noSlot else { return }
            let kids = [node.children.0, node.children.1].filter { $0 >= 0 }
            if kids.count == 2 { return }
            let replacement = kids.first ?? AllowedIPsTrie.noNode
            if replacement >= 0 { nodes[Int(replacement)].parent = node.parent }
            replaceLink(parent: node.parent, from: index, to: replacement)
            freeNode(index)
            index = node.parent
        }
    }

    /// Every stored prefix and its slot.
    func entries() -> [(high: UInt64, low: UInt64, length: Int, slot: TrieSlot)] {
        nodes.filter { $0.inUse && $0.slot != AllowedIPsTrie.noSlot }
            .map { ($0.high, $0.low, $0.length, $0.slot) }
    }

    /// Structural checks for tests: links agree both ways, keys are masked and nested,
    /// valueless nodes fork, and no freed node is reachable.
    func isWellFormed() -> Bool {
        var reachable = 0
        var stack: [Int32] = root >= 0 ? [root] : []
        if root >= 0 && nodes[Int(root)].parent != AllowedIPsTrie.noNode { return false }
        while let index = stack.popLast() {
            let node = nodes[Int(index)]
            reachable += 1
            let (mh, ml) = AllowedIPsTrie.mask(node.length)
            guard node.inUse, node.high & mh == node.high, node.low & ml == node.low else { return false }
            let kids = [node.children.0, node.children.1].filter { $0 >= 0 }
            if node.slot == AllowedIPsTrie.noSlot && kids.count != 2 { return false }
            for (side, kid) in [(0, node.children.0), (1, node.children.1)] where kid >= 0 {
                let child = nodes[Int(kid)]
                guard child.parent == index, child.length > node.length,
                      AllowedIPsTrie.matches(node, child.high, child.low),
                      AllowedIPsTrie.bit(child.high, child.low, at: node.length) == side else { return false }
                stack.append(kid)
            }
        }
        return reachable == nodes.count - freeNodes.count
    }

    mutating func removeAll() {
        nodes.removeAll()
        freeNodes.removeAll()
        root = AllowedIPsTrie.noNode
    }

    // MARK: node storage

    private func child(of node: Node, toward key: (UInt64, UInt64)) -> Int32 {
        AllowedIPsTrie.bit(key.0, key.1, at: node.length) == 0 ? node.children.0 : node.children.1
    }

    private mutating func setChild(of index: Int32, toward key: (UInt64, UInt64), to child: Int32) {
        let length = nodes[Int(index)].length
        if AllowedIPsTrie.bit(key.0, key.1, at: length) == 0 {
            nodes[Int(index)].children.0 = child
        } else {
            nodes[Int(index)].children.1 = child
        }
    }

    private mutating func replaceLink(parent: Int32, from old: Int32, to new: Int32) {
        guard parent >= 0 else { root = new; return }
        if nodes[Int(parent)].children.0 == old {
            nodes[Int(parent)].children.0 = new
        } else {
            nodes[Int(parent)].children.1 = new
        }
    }

    private mutating func makeNode(_ key: (UInt64, UInt64), _ length: Int, _ slot: TrieSlot, parent: Int32) -> Int32 {
        let node = Node(high: key.0, low: key.1, length: length, slot: slot, parent: parent)
        if let reused = freeNodes.popLast() {
            nodes[Int(reused)] = node
            return reused
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    private mutating func freeNode(_ index: Int32) {
        nodes[Int(index)].inUse = false
        nodes[Int(index)].slot = AllowedIPsTrie.noSlot
        nodes[Int(index)].children = (AllowedIPsTrie.noNode, AllowedIPsTrie.noNode)
        freeNodes.append(index)
    }
}
