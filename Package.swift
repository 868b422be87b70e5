// swift-tools-version:6.0
import PackageDescription

// One target per concept: pure protocol and packet code in the middle, system I/O at the
// edges, one thin executable. See Docs/architecture.md.
let package = Package(
    name: "tunnel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tunnel", targets: ["tunnel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The --metrics HTTP endpoint (NIOHTTP1, bounded; see Docs/operations.md), and etcd's v3
        // JSON gateway (EtcdClient, async-http-client, including the streaming watch) on the same
        // SwiftNIO; NIOSSL for the etcd client's TLS files.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode",
                       providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        .target(name: "CShims"),
        .target(name: "Addresses"),
        .target(name: "Netlink", dependencies: ["CNetlink", "CShims", "Addresses"]),
        .target(name: "Packet", dependencies: ["Addresses"]),
        .target(name: "Reactor", dependencies: ["CShims", "Addresses"]),
        .target(name: "WireGuard", dependencies: ["COpenSSL", "Addresses"]),
        .target(name: "NAT", dependencies: ["Packet", "Addresses"]),
        .target(name: "Config", dependencies: ["WireGuard", "Addresses"]),
        .target(name: "Control", dependencies: ["Reactor", "Addresses", "CShims"]),
        // The rooms above the protocol: each has one job, and none imports one above it.
        .target(name: "DataPath", dependencies: [
            "Reactor", "WireGuard", "NAT", "Packet", "Control", "Addresses", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Peers", dependencies: [
            "Config", "WireGuard", "Addresses", "CQRencode", .product(name: "Logging", package: "swift-log"),
        ]),
        // etcd v3 over its JSON gateway; knows nothing of peers, so the file store never links it.
        .target(name: "EtcdClient", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The peer store on etcd: PeerStore's second implementation, and a server's follower.
        .target(name: "EtcdStore", dependencies: [
            "EtcdClient", "Peers", "Config", "WireGuard", "Addresses", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SystemSetup", dependencies: [
            "Netlink", "Config", "Control", "Packet", "Addresses", "WireGuard", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Status", dependencies: ["DataPath", "Control", "Peers", "Reactor", "WireGuard", "NAT", "Addresses"]),
        .target(name: "Service", dependencies: [
            "Status", "DataPath", "Control", "Reactor", "Addresses", "CSystemd", .product(name: "Logging", package: "swift-log"),
            "CShims", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The client, server and status modes: wiring only.
        .target(name: "Tunnel", dependencies: [
            "DataPath", "Peers", "EtcdStore", "EtcdClient", "SystemSetup", "Status", "Service",
            "Netlink", "Packet", "Reactor", "WireGuard", "NAT", "Config", "Control", "Addresses",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "tunnel", dependencies: [
            "Tunnel", "Peers", "Status", "Service", "Config", "WireGuard", "Addresses",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Fuzz targets (`make fuzz`): libFuzzer entry points when built with -DFUZZING and
        // -sanitize=fuzzer, otherwise plain programs that replay input files.
        .target(name: "CFuzzer", path: "Fuzz/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzWireGuardMessage", dependencies: ["FuzzSupport", "WireGuard", "COpenSSL", "Addresses"],
                          path: "Fuzz/FuzzWireGuardMessage"),
        .executableTarget(name: "FuzzPacketNAT", dependencies: ["FuzzSupport", "Packet", "NAT", "Addresses"],
                          path: "Fuzz/FuzzPacketNAT"),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", "Config", "WireGuard"], path: "Fuzz/FuzzConfig"),
        .executableTarget(name: "FuzzUAPIRequest", dependencies: ["FuzzSupport", "Control"], path: "Fuzz/FuzzUAPIRequest"),
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "AddressesTests", dependencies: ["Addresses"]),
        .testTarget(name: "PacketTests", dependencies: ["Packet", "Addresses", "AllocationCounter"]),
        .testTarget(name: "WireGuardTests", dependencies: ["WireGuard", "Addresses", "AllocationCounter", "Reactor"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "WireGuard", "Addresses"]),
        .testTarget(name: "NATTests", dependencies: ["NAT", "Packet", "Addresses", "AllocationCounter"]),
        .testTarget(name: "ControlTests", dependencies: ["Control", "TestSupport", "Reactor", "Addresses"]),
        // What several test targets share: in-memory devices, the skip-or-fail rule.
        .target(name: "TestSupport", dependencies: ["WireGuard", "Addresses"], path: "Tests/TestSupport"),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor", "AllocationCounter"]),
        .testTarget(name: "DataPathTests", dependencies: ["DataPath", "WireGuard", "Addresses", "Reactor", "AllocationCounter"]),
        .testTarget(name: "PeersTests", dependencies: ["Peers", "TestSupport", .product(name: "Logging", package: "swift-log"), "Config", "WireGuard", "Addresses"]),
        .testTarget(name: "SystemSetupTests", dependencies: ["SystemSetup", "Netlink", "Config", "Addresses"]),
        .testTarget(name: "StatusTests", dependencies: ["Status", "TestSupport", "Control", "WireGuard", "NAT", "Reactor", "Addresses", "DataPath"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Status", "Control", "Reactor", "Addresses", "CShims",
                                                      .product(name: "Logging", package: "swift-log"),
                                                      .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "EtcdClientTests", dependencies: ["EtcdClient"]),
        .testTarget(name: "EtcdStoreTests", dependencies: ["EtcdStore", "EtcdClient", "Peers", "Config", "WireGuard", "Addresses"]),
        .testTarget(name: "SystemTests", dependencies: ["TestSupport", "EtcdClient", "EtcdStore", .product(name: "Logging", package: "swift-log"), "Netlink", "Reactor", "Packet", "CShims", "Tunnel",
                                                     "DataPath", "Peers", "SystemSetup", "Status", "Service", "Addresses", "Config", "WireGuard", "Control", "NAT"],
                    exclude: ["Schema"]),
    ],
    swiftLanguageModes: [.v5]
)
