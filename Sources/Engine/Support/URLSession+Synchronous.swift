import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension URLSession {
    /// A session whose requests never wait on an authentication challenge.
    ///
    /// swift-corelibs-foundation (measured with Swift 6.3.1) never completes a task whose answer
    /// is a 401 with `WWW-Authenticate` when the session has no delegate for challenges — as an
    /// MLflow server started with `--app-name basic-auth` answers wrong credentials. This
    /// session's delegate refuses the challenge and keeps the 401, which `synchronousData`
    /// returns as the answer.
    static func refusingChallenges(configuration: URLSessionConfiguration) -> URLSession {
        URLSession(configuration: configuration, delegate: ChallengeRefusal(), delegateQueue: nil)
    }

    /// Sends `request` and waits for the answer (the shell's commands are synchronous).
    ///
    /// - Throws: the transport's error (refused, timed out, not HTTP); HTTP error statuses are
    ///   answers, not errors.
    func synchronousData(for request: URLRequest) throws -> (Data, HTTPURLResponse) {
        nonisolated(unsafe) var result: Result<(Data, HTTPURLResponse), Error>?
        let done = DispatchSemaphore(value: 0)
        let refusal = delegate as? ChallengeRefusal
        let task = dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                result = .success((data ?? Data(), http))
            } else {
                result = .failure(URLError(.badServerResponse))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        if let refused = refusal?.take(task.taskIdentifier) { return (Data(), refused) }
        return try result!.get()
    }
}

/// Refuses authentication challenges, keeping the answer that asked (a 401) for its task.
private final class ChallengeRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    private let refused = Mutex<[Int: HTTPURLResponse]>([:])

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        if let response = challenge.failureResponse as? HTTPURLResponse {
            refused.withLock { $0[task.taskIdentifier] = response }
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// The refused answer of task `id`, if its challenge was refused.
    func take(_ id: Int) -> HTTPURLResponse? {
        refused.withLock { $0.removeValue(forKey: id) }
    }
}
