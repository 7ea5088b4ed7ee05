import Foundation
import Testing
import VaultStore

@Suite("S3Configuration URL form")
struct S3ConfigurationTests {
    static let credentials = ["SESSIONVAULT_S3_ACCESS_KEY": "vaultkey", "SESSIONVAULT_S3_SECRET_KEY": "s3cr3t-value"]

    func parseError(_ url: String, _ environment: [String: String] = credentials) -> String {
        do {
            let configuration = try S3Configuration.parse(url, environment: environment)
            return "parsed: \(configuration)"
        } catch {
            return error.description
        }
    }

    @Test func everyParameterIsRead() throws {
        let configuration = try S3Configuration.parse(
            "s3://vault-blobs/clinic-a?endpoint=http://127.0.0.1:8333&region=eu-west-2&style=virtual-host&lock=governance"
                + "&timeout=2.5&attempts=6&backoff-ms=50",
            environment: Self.credentials)
        #expect(configuration.bucket == "vault-blobs")
        #expect(configuration.keyPrefix == "clinic-a/")
        #expect(configuration.endpoint.absoluteString == "http://127.0.0.1:8333")
        #expect(configuration.endpointDescription == "http://127.0.0.1:8333")
        #expect(configuration.region == "eu-west-2")
        #expect(configuration.addressingStyle == .virtualHost)
        #expect(configuration.objectLockMode == .governance)
        #expect(configuration.requestTimeout == .milliseconds(2500))
        #expect(configuration.retryPolicy.maxAttempts == 6)
        #expect(configuration.retryPolicy.baseBackoff == .milliseconds(50))
        #expect(configuration.accessKeyID == "vaultkey")
        #expect(configuration.secretAccessKey == "s3cr3t-value")
    }

    @Test func defaultsArePathStyleUsEast1AndNoLock() throws {
        let configuration = try S3Configuration.parse("s3://bucket1?endpoint=https://s3.example.test", environment: Self.credentials)
        #expect(configuration.keyPrefix == "")
        #expect(configuration.region == "us-east-1")
        #expect(configuration.addressingStyle == .path)
        #expect(configuration.objectLockMode == nil)
        #expect(configuration.retryPolicy == .standard)
        #expect(configuration.requestTimeout == .seconds(60))
        let nested = try S3Configuration.parse("s3://bucket1/a/b/?endpoint=http://127.0.0.1:1&lock=compliance", environment: Self.credentials)
        #expect(nested.keyPrefix == "a/b/")
        #expect(nested.objectLockMode == .compliance)
    }

    @Test func credentialsComeFromTheVaultVariablesThenTheAWSOnes() throws {
        let aws = ["AWS_ACCESS_KEY_ID": "awskey", "AWS_SECRET_ACCESS_KEY": "aws-secret"]
        let url = "s3://bucket1?endpoint=http://127.0.0.1:8333"
        #expect(try S3Configuration.parse(url, environment: aws).accessKeyID == "awskey")
        let both = aws.merging(Self.credentials) { $1 }
        #expect(try S3Configuration.parse(url, environment: both).accessKeyID == "vaultkey")
        #expect(parseError(url, [:]).contains("no S3 credentials: set SESSIONVAULT_S3_ACCESS_KEY"))
        #expect(
            parseError(url, ["SESSIONVAULT_S3_ACCESS_KEY": "k"] + aws)
                == "invalid blob store configuration: SESSIONVAULT_S3_ACCESS_KEY is set but SESSIONVAULT_S3_SECRET_KEY is not")
        #expect(
            parseError(url, ["AWS_SECRET_ACCESS_KEY": "aws-secret"])
                == "invalid blob store configuration: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
    }

    @Test func mistakesAreNamed() {
        let cases: [(String, String)] = [
            ("http://bucket1?endpoint=http://127.0.0.1:1", "starts with s3://"),
            ("s3://?endpoint=http://127.0.0.1:1", "names no bucket"),
            ("s3://bucket1", "needs endpoint=http://HOST:PORT"),
            ("s3://bucket1?endpoint=ftp://127.0.0.1:1", "must be an http:// or https:// URL"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1/base", "without a path or query"),
            ("s3://Bucket_1?endpoint=http://127.0.0.1:1", "bucket name 'Bucket_1' is not valid"),
            ("s3://ab?endpoint=http://127.0.0.1:1", "bucket name 'ab' is not valid"),
            ("s3://bucket1/../x?endpoint=http://127.0.0.1:1", "key prefix '../x/' must be a relative path"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&style=sideways", "style 'sideways' is not one of path, virtual-host"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&lock=forever", "lock 'forever' is not one of none, compliance, governance"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&lok=compliance", "unknown S3 URL parameter 'lok'"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&attempts=0", "attempts '0' is not a whole number from 1 to 20"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&timeout=-1", "timeout '-1' is not a number of seconds"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&backoff-ms=x", "backoff-ms 'x' is not a whole number"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&region=us east", "region 'us east' is not valid"),
            ("s3://bucket1?endpoint=http://127.0.0.1:1&lock=none&lock=compliance", "parameter 'lock' is given twice"),
            ("s3://my.bucket?endpoint=https://s3.example.test&style=virtual-host", "contains '.', which breaks TLS"),
        ]
        for (url, expected) in cases {
            let message = parseError(url)
            #expect(message.contains(expected), "\(url) → \(message)")
            #expect(message.hasPrefix("invalid blob store configuration: "), "\(url) → \(message)")
        }
    }

    @Test func secretsAppearInNoMessageDescriptionOrDump() {
        let inURL = parseError("s3://AKIAUSER:hunter2-secret@bucket1?endpoint=http://127.0.0.1:1")
        #expect(inURL.contains("credentials must not be written in the S3 URL"))
        #expect(!inURL.contains("hunter2"))
        let endpointWithUser = parseError("s3://bucket1?endpoint=http://user:hunter2-secret@127.0.0.1:1")
        #expect(endpointWithUser.contains("must not carry credentials"))
        #expect(!endpointWithUser.contains("hunter2"))

        let configuration = try! S3Configuration.parse("s3://bucket1/p?endpoint=http://127.0.0.1:8333", environment: Self.credentials)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [configuration.description, String(reflecting: configuration), "\(configuration)", dumped] {
            #expect(!text.contains("s3cr3t"), "\(text)")
        }
        #expect(configuration.description.contains("s3://bucket1/p/ at http://127.0.0.1:8333"))
        #expect(!configuration.description.contains("vaultkey"))
    }
}

extension Dictionary where Key == String, Value == String {
    fileprivate static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}
