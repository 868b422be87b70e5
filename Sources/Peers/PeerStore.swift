// Where a server's peers live: one interface, two implementations, as in Calico's
// backend. FilePeerStore keeps them in the server's wg-quick config (and the invites and
// usage files beside it), for one machine; EtcdPeerStore (module EtcdStore) keeps them in
// etcd v3, for servers that share them. PeerManagement works through this protocol only,
// so `tunnel peer ...` is one piece of code for both.
//
// The [Interface] (the server's private key, addresses, port) always comes from the
// local config file: the private key never goes into a shared store.
import WireGuard

public protocol PeerStore: AnyObject {
    /// For messages: the config file's path, or the etcd endpoints and prefix.
    var location: String { get }

    /// The server's [Interface] with the stored peers, and the pending invites.
    func read() throws -> PeerStoreContents

    /// Runs `change` on the current contents and stores what it made of them as one
    /// atomic step: all of it or nothing. `change` may run more than once (a store shared
    /// by several writers runs it again on the newer contents after a conflict), so it
    /// must do nothing but change its argument and compute its result; when it throws,
    /// nothing is stored. Changes to the [Interface] are not stored.
    func update<T>(_ change: (inout PeerStoreContents) throws -> T) throws -> T

    /// Every peer's usage, summed over the servers that count it.
    func usage() throws -> [Key: PeerUsage]
}
