import Crypto
import Foundation
import Testing
@testable import VaultStore

/// Known answers from AWS's Signature Version 4 test suite (service "service", us-east-1,
/// 20150830T123600Z, AKIDEXAMPLE) and from the S3 API reference's header-signing examples.
@Suite("SigV4Signer")
struct SigV4SignerTests {
    static let suiteSigner = SigV4Signer(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1",
        service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let suiteHeaders = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]

    static let s3Signer = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1", service: "s3")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let s3Host = ("Host", "examplebucket.s3.amazonaws.com")
    static let s3DateHeader = ("x-amz-date", "20130524T000000Z")

    @Test func getVanilla() {
        let signed = Self.suiteSigner.sign(
            method: "GET", canonicalPath: "/", query: [], headers: Self.suiteHeaders,
            payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(
            signed.canonicalRequest == """
                GET
                /

                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let signed = Self.suiteSigner.sign(
            method: "GET", canonicalPath: "/", query: [("Param2", "value2"), ("Param1", "value1")],
            headers: Self.suiteHeaders, payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "Param1=value1&Param2=value2")
        #expect(signed.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postVanilla() {
        let signed = Self.suiteSigner.sign(
            method: "POST", canonicalPath: "/", query: [], headers: Self.suiteHeaders,
            payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signed.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func postXWWWFormURLEncoded() {
        let body = Array("Param1=value1".utf8)
        let hash = SigV4Signer.hex(SHA256.hash(data: body))
        #expect(hash == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        let signed = Self.suiteSigner.sign(
            method: "POST", canonicalPath: "/", query: [],
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + Self.suiteHeaders, payloadSHA256: hash,
            date: Self.suiteDate)
        #expect(
            signed.canonicalRequest == """
                POST
                /

                content-type:application/x-www-form-urlencoded
                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
                """)
        #expect(signed.stringToSign.hasSuffix("\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"))
        #expect(signed.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    @Test func getHeaderKeyDuplicate() {
        let signed = Self.suiteSigner.sign(
            method: "GET", canonicalPath: "/", query: [],
            headers: [
                ("Host", "example.amazonaws.com"), ("My-Header1", "value2"), ("My-Header1", "value2"),
                ("My-Header1", "value1"), ("X-Amz-Date", "20150830T123600Z"),
            ], payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signed.canonicalRequest.contains("\nmy-header1:value2,value2,value1\n"))
        #expect(signed.stringToSign.hasSuffix("\ndc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"))
        #expect(signed.signature == "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
    }

    @Test func getUTF8() {
        let path = "/" + SigV4Signer.uriEncode("\u{1234}", encodeSlash: false)
        #expect(path == "/%E1%88%B4")
        let signed = Self.suiteSigner.sign(
            method: "GET", canonicalPath: path, query: [], headers: Self.suiteHeaders,
            payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.suiteDate)
        #expect(signed.stringToSign.hasSuffix("\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"))
        #expect(signed.signature == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    // MARK: - S3 API reference examples

    @Test func s3GetObjectWithRange() {
        let signed = Self.s3Signer.sign(
            method: "GET", canonicalPath: "/test.txt", query: [],
            headers: [
                Self.s3Host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4Signer.emptyPayloadSHA256),
                Self.s3DateHeader,
            ], payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PutObjectEncodesTheKeyOnce() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.hex(SHA256.hash(data: body))
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = "/" + SigV4Signer.uriEncode("test$file.text", encodeSlash: false)
        let signed = Self.s3Signer.sign(
            method: "PUT", canonicalPath: path, query: [],
            headers: [
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"), Self.s3Host, ("x-amz-content-sha256", hash), Self.s3DateHeader,
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ], payloadSHA256: hash, date: Self.s3Date)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(signed.stringToSign.hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(signed.signedHeaders == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3GetBucketLifecycleSignsAValuelessParameterAsNameEquals() {
        let signed = Self.s3Signer.sign(
            method: "GET", canonicalPath: "/", query: [("lifecycle", "")],
            headers: [Self.s3Host, ("x-amz-content-sha256", SigV4Signer.emptyPayloadSHA256), Self.s3DateHeader],
            payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        #expect(signed.stringToSign.hasSuffix("\n9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca"))
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3ListObjectsSortsTheQuery() {
        let signed = Self.s3Signer.sign(
            method: "GET", canonicalPath: "/", query: [("prefix", "J"), ("max-keys", "2")],
            headers: [Self.s3Host, ("x-amz-content-sha256", SigV4Signer.emptyPayloadSHA256), Self.s3DateHeader],
            payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: Self.s3Date)
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    // MARK: - Canonical forms

    @Test func uriEncodingFollowsAWSRules() {
        #expect(SigV4Signer.uriEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(SigV4Signer.uriEncode("a b+c*d%e=f&g") == "a%20b%2Bc%2Ad%25e%3Df%26g")
        #expect(SigV4Signer.uriEncode("a/b") == "a%2Fb")
        #expect(SigV4Signer.uriEncode("a/b", encodeSlash: false) == "a/b")
        #expect(SigV4Signer.uriEncode("ü") == "%C3%BC")
        #expect(
            SigV4Signer.canonicalQueryString([("prefix", "chunks/a b"), ("list-type", "2"), ("versions", "")])
                == "list-type=2&prefix=chunks%2Fa%20b&versions=")
        #expect(SigV4Signer.canonicalQueryString([("b", "2"), ("a", "z"), ("a", "y"), ("A", "x")]) == "A=x&a=y&a=z&b=2")
    }

    @Test func headerValuesAreTrimmedAndTheSecretIsNowhereInTheOutput() {
        let signed = Self.suiteSigner.sign(
            method: "GET", canonicalPath: "/", query: [],
            headers: Self.suiteHeaders + [("My-Header", "  a   b  c ")], payloadSHA256: "UNSIGNED-PAYLOAD",
            date: Self.suiteDate)
        #expect(signed.canonicalRequest.contains("\nmy-header:a b c\n"))
        let all = "\(signed) \(Self.suiteSigner)"
        #expect(!all.contains("wJalrXUtnFEMI"))
    }
}
