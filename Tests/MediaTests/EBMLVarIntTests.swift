import Testing
@testable import Media

struct EBMLVarIntTests {
    @Test func lengthComesFromLeadingZeros() {
        #expect(EBMLVarInt.length(ofFirstByte: 0x81) == 1)
        #expect(EBMLVarInt.length(ofFirstByte: 0x40) == 2)
        #expect(EBMLVarInt.length(ofFirstByte: 0x01) == 8)
        #expect(EBMLVarInt.length(ofFirstByte: 0x00) == nil)
    }

    @Test func allOnesMeansUnknownSize() {
        #expect(EBMLVarInt.value(length: 1) { _ in 0xFF } == nil)
        let eight = EBMLVarInt.unknownSize
        #expect(EBMLVarInt.value(length: 8) { eight[$0] } == nil)
        #expect(EBMLVarInt.value(length: 1) { _ in 0x85 } == 5)
    }

    @Test(arguments: [0, 1, 126, 127, 128, 16_382, 16_383, 1 << 30, (1 << 56) - 2] as [UInt64])
    func sizesRoundTrip(value: UInt64) {
        let bytes = EBMLVarInt.encodeSize(value)
        #expect(EBMLVarInt.length(ofFirstByte: bytes[0]) == bytes.count)
        #expect(EBMLVarInt.value(length: bytes.count) { bytes[$0] } == value)
    }

    @Test func reservedAllOnesValueTakesALongerEncoding() {
        #expect(EBMLVarInt.encodeSize(127) == [0x40, 0x7F])
    }
}
