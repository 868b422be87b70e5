// Keys cross between the Control module (which knows only bytes) and the WireGuard
// module here, and nowhere else.
import Control
import WireGuard

extension UAPIKey {
    init(_ key: Key) {
        // A Key is always 32 bytes, so this cannot fail.
        self = UAPIKey(bytes: key.bytes) ?? .zero
    }

    var wireGuardKey: Key { Key(bytes: bytes) }
}
