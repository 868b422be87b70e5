// Counts of what the data path did with packets outside the protocol engine: TUN
// offload work (super-packets split, packets coalesced), UDP segmentation offload, and
// packets the kernel would not take. Exported on the control socket as tunnel counters
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
    /// Writes the TUN refused (queue full): dropped.
    public var tunWriteFailures: UInt64 = 0
    /// Datagrams that arrived coalesced by the kernel (UDP GRO), counted one by one.
    public var udpDatagramsCoalesced: UInt64 = 0
    /// Datagrams the UDP socket did not take: dropped.
    public var udpSendFailures: UInt64 = 0

    public init() {}

    /// Adds another part's counts (each part counts only its own fields).
    mutating func add(_ other: DataPathCounts) {
        tunSuperPacketsRead &+= other.tunSuperPacketsRead
        tunSegmentsMade &+= other.tunSegmentsMade
        tunOffloadRejected &+= other.tunOffloadRejected
        tunPacketsCoalesced &+= other.tunPacketsCoalesced
        tunSuperPacketsWritten &+= other.tunSuperPacketsWritten
        tunWriteFailures &+= other.tunWriteFailures
        udpDatagramsCoalesced &+= other.udpDatagramsCoalesced
        udpSendFailures &+= other.udpSendFailures
    }

    var counters: [UAPICounter] {
        [UAPICounter("tun_superpackets_read", tunSuperPacketsRead),
         UAPICounter("tun_segments_made", tunSegmentsMade),
         UAPICounter("tun_offload_rejected", tunOffloadRejected),
         UAPICounter("tun_packets_coalesced", tunPacketsCoalesced),
         UAPICounter("tun_superpackets_written", tunSuperPacketsWritten),
         UAPICounter("tun_write_failures", tunWriteFailures),
         UAPICounter("udp_datagrams_coalesced", udpDatagramsCoalesced),
         UAPICounter("udp_send_failures", udpSendFailures)]
    }
}
