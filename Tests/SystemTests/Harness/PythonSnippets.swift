// Pieces of Python shared by the scripts system tests run to build raw packets.
enum PythonSnippets {
    /// `checksum(b)`: the Internet checksum (RFC 1071) of the bytes `b`, for IP headers and
    /// UDP pseudo-headers. Top-level code: interpolate it at a script's top level.
    static let internetChecksum = """
        def checksum(b):
            if len(b) % 2:
                b += b'\\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            return ~s & 0xffff
        """
}
