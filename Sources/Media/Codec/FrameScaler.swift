internal import CYUV

/// Scales decoded pictures into frames of one fixed output size with libyuv, keeping the aspect
/// ratio: a picture of another shape (after a mid-stream resolution change) is fitted inside the
/// output and centred on black.
struct FrameScaler {
    let outputWidth: Int
    let outputHeight: Int

    /// The largest even size within `maxWidth`x`maxHeight` with the aspect ratio of `width`x`height`.
    /// Small pictures are enlarged to the box, so a stream that starts small and grows (WebRTC
    /// bandwidth ramp-up) keeps full review resolution.
    static func fit(width: Int, height: Int, maxWidth: Int, maxHeight: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { return (2, 2) }
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        if width * maxHeight >= height * maxWidth {
            return (maxWidth & ~1, min(maxHeight & ~1, even(Double(maxWidth) * Double(height) / Double(width))))
        }
        return (min(maxWidth & ~1, even(Double(maxHeight) * Double(width) / Double(height))), maxHeight & ~1)
    }

    init(outputWidth: Int, outputHeight: Int) {
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
    }

    /// A new frame holding `picture` scaled to the output size.
    func scale(_ picture: DecodedPicture, timestampNs: Int64) throws(MediaError) -> VideoFrame {
        let fitted = Self.fit(width: picture.width, height: picture.height, maxWidth: outputWidth, maxHeight: outputHeight)
        let fills = fitted.width == outputWidth && fitted.height == outputHeight
        var frame = VideoFrame(width: outputWidth, height: outputHeight, timestampNs: timestampNs, black: !fills)
        let left = ((outputWidth - fitted.width) / 4) * 2
        let top = ((outputHeight - fitted.height) / 4) * 2
        let chromaStride = outputWidth / 2
        let luma = frame.lumaSize
        let chroma = frame.chromaSize
        let status = frame.pixels.withUnsafeMutableBufferPointer { buffer -> Int32 in
            let base = buffer.baseAddress!
            let y = base + top * outputWidth + left
            let u = base + luma + (top / 2) * chromaStride + left / 2
            let v = base + luma + chroma + (top / 2) * chromaStride + left / 2
            return I420Scale(
                picture.y, Int32(picture.yStride), picture.u, Int32(picture.uStride), picture.v, Int32(picture.vStride),
                Int32(picture.width), Int32(picture.height), y, Int32(outputWidth), u, Int32(chromaStride), v,
                Int32(chromaStride), Int32(fitted.width), Int32(fitted.height), kFilterBox)
        }
        guard status == 0 else { throw MediaError(.codecFailure, "libyuv could not scale a picture (\(status))") }
        return frame
    }
}
