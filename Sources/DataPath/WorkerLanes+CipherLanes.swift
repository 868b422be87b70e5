// The data path's cipher work runs on WorkerLanes (the Reactor module's threads, which
// know nothing of the protocol).
import Reactor
import WireGuard

extension WorkerLanes: CipherLanes {}
