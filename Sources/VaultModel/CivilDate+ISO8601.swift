extension CivilDate: CustomStringConvertible, LosslessStringConvertible {
    /// The ISO 8601 calendar date, `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = components
        return Self.zeroPadded(year, width: 4) + "-" + Self.zeroPadded(month, width: 2) + "-"
            + Self.zeroPadded(day, width: 2)
    }

    /// Reads an ISO 8601 calendar date in its extended form, exactly `YYYY-MM-DD`
    /// (e.g. `2025-02-28`); returns `nil` for anything else, including dates that do not exist.
    public init?(_ description: String) {
        let utf8 = Array(description.utf8)
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
            let year = Self.decimal(utf8[0..<4]), let month = Self.decimal(utf8[5..<7]),
            let day = Self.decimal(utf8[8..<10]),
            let date = CivilDate.validated(year: year, month: month, day: day)
        else { return nil }
        self = date
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}

extension CivilDate: Codable {
    /// Decodes the `YYYY-MM-DD` string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a date as YYYY-MM-DD, found \"\(text.prefix(32))\""
            )
        }
        self = date
    }

    /// Encodes the `YYYY-MM-DD` string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
