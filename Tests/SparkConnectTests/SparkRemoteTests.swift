import Engine
import Testing

@testable import SparkConnect

/// The Spark Connect connection string, as PySpark and the other clients read it.
@Suite("Spark Connect addresses")
struct SparkRemoteTests {
    @Test("host, port and the spec's parameters")
    func parameters() throws {
        let remote = try SparkRemote(
            parsing:
                "sc://spark.example.com:443/;token=abc%3D;user_id=ana;session_id=6F1A7B52-0C4D-4E8A-9C1B-2D3E4F5A6B7C;"
                + "x-databricks-cluster-id=0123-abc")
        #expect(remote.host == "spark.example.com")
        #expect(remote.port == 443)
        #expect(remote.token == "abc=")
        #expect(remote.usesTLS, "a token turns TLS on")
        #expect(remote.userID == "ana")
        #expect(remote.sessionID == "6f1a7b52-0c4d-4e8a-9c1b-2d3e4f5a6b7c")
        #expect(remote.headers.map(\.name) == ["x-databricks-cluster-id"])
        #expect(remote.headerLines.contains("authorization: Bearer abc="))
        #expect(remote.headerLines.contains("x-databricks-cluster-id: 0123-abc"))
        #expect(remote.baseURL == "https://spark.example.com:443")
    }

    @Test("defaults: port 15002, no TLS, no token")
    func defaults() throws {
        let remote = try SparkRemote(parsing: "sc://127.0.0.1")
        #expect(remote.port == 15002)
        #expect(!remote.usesTLS)
        #expect(remote.token == nil)
        #expect(remote.baseURL == "http://127.0.0.1:15002")
        #expect(try SparkRemote(parsing: "sc://[::1]:15003/").baseURL == "http://[::1]:15003")
    }

    @Test("a token for localhost keeps plain gRPC, as PySpark's local channel; the token may come from the environment")
    func localhostToken() throws {
        let local = try SparkRemote(parsing: "sc://localhost:15002/;token=secret", environment: [:])
        #expect(!local.usesTLS)
        #expect(local.headerLines.contains("authorization: Bearer secret"))
        #expect(local.description == "sc://localhost:15002/;token=***;user_id=plateshell")
        let fromEnvironment = try SparkRemote(
            parsing: "sc://127.0.0.1:15002", environment: ["SPARK_CONNECT_AUTHENTICATE_TOKEN": "fromenv"])
        #expect(fromEnvironment.token == "fromenv")
        #expect(fromEnvironment.usesTLS, "a token for another host turns TLS on")
        #expect(try SparkRemote(parsing: "sc://127.0.0.1:15002", environment: [:]).token == nil)
    }

    @Test("use_ssl=false beside a token keeps plain gRPC")
    func tokenWithoutTLS() throws {
        let remote = try SparkRemote(parsing: "sc://localhost:15002/;use_ssl=false;token=secret")
        #expect(!remote.usesTLS)
        #expect(remote.token == "secret")
    }

    @Test("the token never shows")
    func redaction() throws {
        let remote = try SparkRemote(parsing: "sc://h:1/;token=s3cr3t;user_id=u")
        #expect(!remote.description.contains("s3cr3t"))
        #expect(remote.description.contains("token=***"))
        #expect(
            SparkRemote.redacting("tables uri=\"sc://h:1/;token=s3cr3t;user_id=u\"")
                == "tables uri=\"sc://h:1/;token=******;user_id=u\"")
        #expect(SparkRemote.redacting("load a.csv as t") == "load a.csv as t")
    }

    @Test(
        "bad addresses are clear errors",
        arguments: [
            ("http://h:1", "starts with sc://"), ("sc://h:99999", "not a port number"),
            ("sc://:15002", "names no host"),
            ("sc://h:1/path", "has no path"), ("sc://h:1/;token", "has no value"),
            ("sc://h:1/;use_ssl=maybe", "use_ssl is true or false"), ("sc://h:1/;session_id=42", "must be a UUID"),
        ])
    func badAddresses(text: String, expected: String) {
        #expect {
            try SparkRemote(parsing: text)
        } throws: { error in
            (error as? EngineError)?.message.contains(expected) == true
        }
    }

    @Test(
        "a bad address never echoes its token",
        arguments: ["grpc://h:1/;token=s3cr3t", "sc://h:15002?token=s3cr3t", "sc://h/x?token=s3cr3t"])
    func badAddressRedacted(text: String) {
        #expect {
            try SparkRemote(parsing: text)
        } throws: { error in
            guard let error = error as? EngineError else { return false }
            return !error.message.contains("s3cr3t")
        }
    }

    @Test("a header that carries a credential is never shown")
    func secretHeaders() throws {
        let remote = try SparkRemote(parsing: "sc://h:1/;x-api-key=s3cr3t;x-databricks-cluster-id=0123")
        #expect(!remote.description.contains("s3cr3t"))
        #expect(remote.description.contains("x-databricks-cluster-id=0123"))
        #expect(remote.headerLines.contains("x-api-key: s3cr3t"), "it is still sent")
    }
}

/// `sql` stays read-only on Spark: what passes, how it is sent, what is refused.
@Suite("Spark read-only SQL")
struct SparkReadOnlySQLTests {
    @Test("queries are sent inside SELECT * FROM (…)")
    func wrapping() throws {
        #expect(
            try SparkReadOnlySQL.wrap("select count(*) from fsp.faults;")
                == "SELECT * FROM (\nselect count(*) from fsp.faults\n) AS plateshell_query")
        #expect(
            try SparkReadOnlySQL.wrap("-- note\n  WITH a AS (SELECT 1) SELECT * FROM a").hasPrefix("SELECT * FROM ("))
        #expect(try SparkReadOnlySQL.wrap("show tables in fsp") == "show tables in fsp")
    }

    @Test(
        "statements that change anything are refused before they are sent",
        arguments: [
            "drop table fsp.faults", "INSERT INTO t VALUES (1)", "/* x */ create table t (a int)", "set a=1", "",
        ])
    func refused(text: String) {
        #expect {
            try SparkReadOnlySQL.wrap(text)
        } throws: { error in
            (error as? EngineError)?.message.hasPrefix("sql runs read-only queries") == true
        }
    }

    @Test(
        "SHOW, DESCRIBE and EXPLAIN go as written: no second statement, no comment that could hide one",
        arguments: [
            "show tables; drop table t", "/* /* */ SHOW TABLES */ DROP TABLE t", "-- x\\\nSHOW TABLES\nDROP TABLE t",
            "-- x\r\nDROP TABLE t /*\nSHOW */", "show tables -- note",
        ])
    func inspectionsAsWritten(text: String) {
        #expect(throws: EngineError.self) { try SparkReadOnlySQL.wrap(text) }
    }

    @Test("a comment ended by a carriage return is read as Spark reads it")
    func carriageReturn() throws {
        #expect(try SparkReadOnlySQL.wrap("-- note\r\nSELECT 1").hasPrefix("SELECT * FROM ("))
        #expect(SparkReadOnlySQL.firstKeyword("-- x\r\nDROP TABLE t /*\nSHOW */") == "DROP")
    }

    @Test("Spark's error class is read from its messages")
    func errorClass() {
        #expect(
            SparkSession.errorClass(of: "[TABLE_OR_VIEW_NOT_FOUND] The table or view `x` cannot be found.")
                == "TABLE_OR_VIEW_NOT_FOUND")
        #expect(
            SparkSession.errorClass(of: "[INVALID_HANDLE.SESSION_NOT_FOUND] x") == "INVALID_HANDLE.SESSION_NOT_FOUND")
        #expect(SparkSession.errorClass(of: "plain message") == nil)
    }

    @Test("a Java stack trace after Spark's message is left out")
    func stackTrace() {
        #expect(
            SparkSession.withoutStackTrace(
                "Cannot call methods on a stopped SparkContext.?java.base/jdk.internal.reflect.NativeMethodAccessorImpl"
            )
                == "Cannot call methods on a stopped SparkContext.")
        #expect(SparkSession.withoutStackTrace("[X] bad\n\tat org.apache.Foo(Foo.scala:1)") == "[X] bad")
    }
}
