#include "tests/support/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "net/http_client.hpp"

namespace reglament::test {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log_file,
                           std::map<std::string, std::string> extra_env)
    : log_file_(std::move(log_file)) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        for (const auto& [k, v] : extra_env)
            ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<char*> args;
        for (auto& a : argv)
            args.push_back(a.data());
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        int status;
        ::waitpid(pid_, &status, 0);
    }
}

void ChildProcess::signal(int signo) const {
    ::kill(pid_, signo);
}

bool ChildProcess::running() {
    if (exit_code_) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return r == 0;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
}

std::string ChildProcess::output() const {
    return read_file(log_file_);
}

namespace {

// The low end of the kernel's ephemeral range: every outgoing connection (of this test, of the
// daemon, of the test running beside it under ctest -j) takes a port from there, so a listen
// port picked inside it can be taken by a connection before the daemon binds it.
unsigned short ephemeral_low() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 0;
    if (range >> low && low > 12000 && low <= 65535) return static_cast<unsigned short>(low);
    return 32768;
}

bool can_bind(unsigned short port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

unsigned short free_port() {
    // Random below the ephemeral range: two test processes started together draw different
    // ports with high probability, and no outgoing connection can hold one.
    static std::mutex mutex;
    static std::set<unsigned short> handed_out;
    static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
    std::lock_guard lock(mutex);
    std::uniform_int_distribution<int> pick(10000, ephemeral_low() - 1);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        auto port = static_cast<unsigned short>(pick(random));
        if (handed_out.contains(port) || !can_bind(port)) continue;
        handed_out.insert(port);
        return port;
    }
    throw std::runtime_error("no free port found below the ephemeral range");
}

bool wait_until_healthy(const std::string& url, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    net::ClientOptions options;
    options.request_timeout = std::chrono::seconds(2);
    net::BlockingHttpClient client(options);
    while (std::chrono::steady_clock::now() < deadline) {
        net::ClientRequest req;
        req.url = url;
        auto r = client.request(req);
        if (r.ok() && r.response->status == 200) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TempDir::TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("reglament-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    // REGLAMENT_KEEP_TEST_DIRS=1 keeps logs and state files to look at after a failure.
    if (std::getenv("REGLAMENT_KEEP_TEST_DIRS")) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace reglament::test
