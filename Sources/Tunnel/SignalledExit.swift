// The end of a client or server run that a fatal signal stopped: the host is put back by
// now, and the process ends by that signal, so a shell says "Aborted" and systemd logs
// the real cause (and, for SIGABRT from its watchdog, restarts the unit as it should).
import Foundation
import Logging
import Reactor

func endIfStoppedByFatalSignal(_ reactor: Reactor, logger: Logger) {
    guard let sig = reactor.fatalSignal else { return }
    let name = strsignal(sig).map { String(cString: $0) } ?? "signal \(sig)"
    logger.notice("stopped by signal \(sig) (\(name)) sent by another process; ending with it")
    reactor.endIfStoppedByFatalSignal()
}
