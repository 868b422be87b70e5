// What a running client must remember outside its memory so that a later run
// can restore what a killed one changed: values that cannot be found again in
// the kernel (old sysctl values, the original resolv.conf). Routes and rules
// need no record: they carry TunnelRouteProtocol.id.
public struct SetupState: Codable, Equatable, Sendable {
    public var interfaceName: String
    /// Tables (other than main) the run put routes into; its rules look them up.
    public var tables: [UInt32]
    /// Dotted sysctl name -> the value it had before the run changed it.
    public var originalSysctls: [String: String]
    /// The resolv.conf the run rewrote, and where its original content was saved.
    public var resolvConfPath: String?
    public var resolvConfBackupPath: String?
    /// False when resolv.conf did not exist: restoring then means removing it.
    public var resolvConfExisted: Bool
    /// The run that wrote it; nil in files older than the field (never undone at a
    /// start; `--cleanup --interface NAME` undoes it).
    public var owner: RunOwner?
    /// Every shared sysctl the run needs (set by it or already set before it): another
    /// run's cleanup must not restore them while this one lives. Nil in older files.
    public var neededSysctls: [String]?
    /// What a server run holds that a second server must not take: its config file and
    /// listen address. Nil for clients.
    public var server: ServerRunIdentity?

    public init(interfaceName: String, tables: [UInt32] = [], originalSysctls: [String: String] = [:],
                resolvConfPath: String? = nil, resolvConfBackupPath: String? = nil,
                resolvConfExisted: Bool = true, owner: RunOwner? = nil, neededSysctls: [String]? = nil,
                server: ServerRunIdentity? = nil) {
        self.interfaceName = interfaceName
        self.tables = tables
        self.originalSysctls = originalSysctls
        self.resolvConfPath = resolvConfPath
        self.resolvConfBackupPath = resolvConfBackupPath
        self.resolvConfExisted = resolvConfExisted
        self.owner = owner
        self.neededSysctls = neededSysctls
        self.server = server
    }
}
