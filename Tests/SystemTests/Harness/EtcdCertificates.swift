// A throwaway PKI for TLS cluster tests, made with the openssl command: a CA, one server
// certificate for every member's address (IP subjectAltNames), and a client certificate.
// The files live in the run's log directory and go with it.
import Foundation

struct EtcdCertificates {
    let caFile: String
    let serverCertificateFile: String
    let serverKeyFile: String
    let clientCertificateFile: String
    let clientKeyFile: String
    /// A second CA that signed nothing here: trusting only it must fail.
    let strangerCAFile: String

    init(directory: URL, serverAddresses: [String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func newCA(_ name: String) throws {
            try Command.check(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                               "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "1",
                               "-subj", "/CN=tunnel test \(name)"])
        }
        func issue(_ name: String, extensions: String) throws {
            try Command.check(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                               "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)"])
            try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try Command.check(["openssl", "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"),
                               "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("\(name).pem"), "-days", "1",
                               "-extfile", path("\(name).ext")])
        }
        try newCA("ca")
        try newCA("stranger")
        let sans = serverAddresses.map { "IP:\($0)" }.joined(separator: ",")
        // clientAuth too: etcd's JSON gateway reaches the member's own gRPC server with the
        // server certificate, and --client-cert-auth checks it (a 503 "connection closed" otherwise).
        try issue("server", extensions: "subjectAltName=\(sans)\nextendedKeyUsage=serverAuth,clientAuth\n")
        try issue("client", extensions: "extendedKeyUsage=clientAuth\n")
        caFile = path("ca.pem")
        serverCertificateFile = path("server.pem")
        serverKeyFile = path("server.key")
        clientCertificateFile = path("client.pem")
        clientKeyFile = path("client.key")
        strangerCAFile = path("stranger.pem")
    }
}
