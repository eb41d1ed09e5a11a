import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension URLSession {
    /// Sends `request` and waits for the answer (the shell's commands are synchronous).
    ///
    /// - Throws: the transport's error (refused, timed out, not HTTP); HTTP error statuses are
    ///   answers, not errors.
    func synchronousData(for request: URLRequest) throws -> (Data, HTTPURLResponse) {
        nonisolated(unsafe) var result: Result<(Data, HTTPURLResponse), Error>?
        let done = DispatchSemaphore(value: 0)
        dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                result = .success((data ?? Data(), http))
            } else {
                result = .failure(URLError(.badServerResponse))
            }
            done.signal()
        }.resume()
        done.wait()
        return try result!.get()
    }
}
