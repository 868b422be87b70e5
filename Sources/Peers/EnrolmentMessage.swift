// What a client and the server say inside the enrolment session (a normal WireGuard
// session whose client key is the one derived from the invite code). Each message is
// one IPv4/UDP packet, because the session carries IP packets; its addresses are
// 0.0.0.0 (the client has no address yet, and the server hands these packets to the
// enrolment, never to a network stack), its payload a line naming the message, then:
//   request: the client's own public key (base64): the key it made and keeps;
//   answer:  the client's config as wg-quick text, with PrivateKey all zeros for the
//            client to fill in: addresses, DNS, the server's key, preshared key, endpoint.
import Config
import Foundation
import WireGuard

public enum EnrolmentMessage {
    /// The UDP port on both sides: WireGuard's, for whoever reads a decrypted capture.
    public static let port: UInt16 = 51820
    static let requestHeader = "tunnel enrolment request 1\n"
    static let answerHeader = "tunnel enrolment answer 1\n"
    static let ipv4HeaderLength = 20
    static let udpHeaderLength = 8
    static let headerLength = ipv4HeaderLength + udpHeaderLength
    static let ttl: UInt8 = 64
    static let udpProtocol: UInt8 = 17
    /// An answer must fit one packet within the tunnel's default MTU.
    public static let maximumPacketLength = 1420

    public static func request(publicKey: Key) -> [UInt8] {
        packet(payload: Array((requestHeader + publicKey.base64 + "\n").utf8))
    }

    /// The client's public key, if `packet` is a request.
    public static func parseRequest(_ packet: UnsafeRawBufferPointer) -> Key? {
        guard let text = payload(of: packet, after: requestHeader) else { return nil }
        return try? Key(base64: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The answer packet, or nil when the config does not fit one packet.
    public static func answer(clientConfig: String) -> [UInt8]? {
        let bytes = packet(payload: Array((answerHeader + clientConfig).utf8))
        return bytes.count <= maximumPacketLength ? bytes : nil
    }

    /// The client's config text, if `packet` is an answer.
    public static func parseAnswer(_ packet: UnsafeRawBufferPointer) -> String? {
        payload(of: packet, after: answerHeader)
    }

    static func packet(payload: [UInt8]) -> [UInt8] {
        let total = headerLength + payload.count
        var p = [UInt8](repeating: 0, count: headerLength)
        p[0] = 0x45
        p[2] = UInt8(truncatingIfNeeded: total >> 8)
        p[3] = UInt8(truncatingIfNeeded: total)
        p[8] = ttl
        p[9] = udpProtocol
        let checksum = ipv4HeaderChecksum(p[0..<ipv4HeaderLength])
        p[10] = UInt8(checksum >> 8)
        p[11] = UInt8(checksum & 0xff)
        let udpLength = udpHeaderLength + payload.count
        p[20] = UInt8(port >> 8); p[21] = UInt8(port & 0xff)
        p[22] = UInt8(port >> 8); p[23] = UInt8(port & 0xff)
        p[24] = UInt8(truncatingIfNeeded: udpLength >> 8)
        p[25] = UInt8(truncatingIfNeeded: udpLength)
        // UDP checksum 0: none, which IPv4 allows; the session already authenticates it.
        return p + payload
    }

    private static func ipv4HeaderChecksum(_ header: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var i = header.startIndex
        while i < header.endIndex {
            sum += UInt32(header[i]) << 8 | UInt32(header[i + 1])
            i += 2
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func payload(of packet: UnsafeRawBufferPointer, after header: String) -> String? {
        guard packet.count > headerLength, packet[0] == 0x45, packet[9] == udpProtocol else { return nil }
        let total = Int(packet[2]) << 8 | Int(packet[3])
        guard total > headerLength, total <= packet.count else { return nil }
        guard let text = String(validating: packet[headerLength..<total], as: UTF8.self),
              text.hasPrefix(header) else { return nil }
        return String(text.dropFirst(header.count))
    }
}
