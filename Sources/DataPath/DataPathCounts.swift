// Counts of what the data path did with packets outside the protocol engine: TUN
// offload work (super-packets split, packets coalesced), UDP segmentation offload,
// packets the kernel would not take, and handshakes the handshake queue had no room for. Exported on the control socket as tunnel counters
// (status, metrics), which is also how the system tests see that offloads were used.
//
// Ownership: the reactor's queue (TunnelInterface and its reader/writer count, the
// bridge reads through the reactor).
import Control

public struct DataPathCounts: Equatable, Sendable {
    /// TUN reads that were offload super-packets (more than one packet's worth).
    public var tunSuperPacketsRead: UInt64 = 0
    /// Packets cut from those super-packets.
    public var tunSegmentsMade: UInt64 = 0
    /// TUN reads whose offload header or packet could not be used: dropped.
    public var tunOffloadRejected: UInt64 = 0
    /// Packets written to the TUN as part of a coalesced super-packet.
    public var tunPacketsCoalesced: UInt64 = 0
    /// Super-packets written to the TUN.
    public var tunSuperPacketsWritten: UInt64 = 0
    /// Super-packets the kernel would not take: written again packet by packet, and
    /// coalescing turned off.
    public var tunSuperPacketsRefused: UInt64 = 0
    /// Writes the TUN refused (queue full): dropped.
    public var tunWriteFailures: UInt64 = 0
    /// Datagrams that arrived coalesced by the kernel (UDP GRO), counted one by one.
    public var udpDatagramsCoalesced: UInt64 = 0
    /// Datagrams the UDP socket did not take: dropped.
    public var udpSendFailures: UInt64 = 0
    /// Batches of encryption or decryption shared out over more than one thread.
    public var cryptoBatchesShared: UInt64 = 0
    /// Handshake messages that found the handshake queue's backlog full: dropped.
    public var handshakeBacklogFull: UInt64 = 0

    public init() {}

    /// Adds another part's counts (each part counts only its own fields).
    mutating func add(_ other: DataPathCounts) {
        tunSuperPacketsRead &+= other.tunSuperPacketsRead
        tunSegmentsMade &+= other.tunSegmentsMade
        tunOffloadRejected &+= other.tunOffloadRejected
        tunPacketsCoalesced &+= other.tunPacketsCoalesced
        tunSuperPacketsWritten &+= other.tunSuperPacketsWritten
        tunSuperPacketsRefused &+= other.tunSuperPacketsRefused
        tunWriteFailures &+= other.tunWriteFailures
        udpDatagramsCoalesced &+= other.udpDatagramsCoalesced
        udpSendFailures &+= other.udpSendFailures
        handshakeBacklogFull &+= other.handshakeBacklogFull
        cryptoBatchesShared &+= other.cryptoBatchesShared
    }

    /// The counters' wire names, stable across versions.
    public enum Name {
        public static let superPacketsRead = "tun_superpackets_read"
        public static let segmentsMade = "tun_segments_made"
        public static let offloadRejected = "tun_offload_rejected"
        public static let packetsCoalesced = "tun_packets_coalesced"
        public static let superPacketsWritten = "tun_superpackets_written"
        public static let superPacketsRefused = "tun_superpackets_refused"
        public static let tunWriteFailures = "tun_write_failures"
        public static let datagramsCoalesced = "udp_datagrams_coalesced"
        public static let udpSendFailures = "udp_send_failures"
        public static let handshakeBacklogFull = "handshake_backlog_full"
        public static let cryptoBatchesShared = "crypto_batches_shared"
        /// What the offloads did (work saved), and what the data path dropped.
        public static let work = [superPacketsRead, segmentsMade, superPacketsWritten, packetsCoalesced, superPacketsRefused,
                                  datagramsCoalesced, cryptoBatchesShared]
        public static let failures = [offloadRejected, tunWriteFailures, udpSendFailures, handshakeBacklogFull]
    }

    public var counters: [UAPICounter] {
        [UAPICounter(Name.superPacketsRead, tunSuperPacketsRead),
         UAPICounter(Name.segmentsMade, tunSegmentsMade),
         UAPICounter(Name.offloadRejected, tunOffloadRejected),
         UAPICounter(Name.packetsCoalesced, tunPacketsCoalesced),
         UAPICounter(Name.superPacketsWritten, tunSuperPacketsWritten),
         UAPICounter(Name.superPacketsRefused, tunSuperPacketsRefused),
         UAPICounter(Name.tunWriteFailures, tunWriteFailures),
         UAPICounter(Name.datagramsCoalesced, udpDatagramsCoalesced),
         UAPICounter(Name.udpSendFailures, udpSendFailures),
         UAPICounter(Name.handshakeBacklogFull, handshakeBacklogFull),
         UAPICounter(Name.cryptoBatchesShared, cryptoBatchesShared)]
    }
}
