"""Azure Blob Storage / ADLS Gen2 connection.

Paths become ``abfss://`` URIs that deltalake (delta-rs) and pyarrow understand, with the
credentials handed over as ``storage_options``. Listing files (glob) needs the optional
``adlfs`` package; it is not a dependency of this project, so its absence is reported as a
clear instruction rather than an import error deep in a format.
"""

from __future__ import annotations

import importlib
import posixpath
import time
from typing import Any

from odibi_core import secrets
from odibi_core.connections.base import FileConnection, HealthResult
from odibi_core.connections.registry import register_connection
from odibi_core.errors import ConnectionFailure

_MAGIC = set("*?[")
_NEEDS = {
    "account_key": ("account_key",),
    "sas": ("sas_token",),
    "service_principal": ("tenant_id", "client_id", "client_secret"),
    "key_vault": ("key_vault_name", "secret_name"),
    "managed_identity": (),
}


@register_connection
class AzureBlobConnection(FileConnection):
    types = ("azure_blob", "adls")

    def __init__(self, name, config, project_root) -> None:
        super().__init__(name, config, project_root)
        for value in (config.account_key, config.sas_token, config.client_secret):
            secrets.register(value)
        self._vault_key: str | None = None

    @property
    def is_local(self) -> bool:
        return False

    @property
    def root_uri(self) -> str:
        cfg = self.config
        base = cfg.base_path.strip("/")
        uri = f"abfss://{cfg.container}@{cfg.account_name}.dfs.core.windows.net"
        return f"{uri}/{base}" if base else uri

    # --- paths --------------------------------------------------------------------------------
    def _relative(self, path: str) -> str:
        """``path`` normalised relative to base_path; a full URI under the base is accepted too."""
        text = str(path or "").strip()
        if "://" in text:
            root = self.root_uri
            if text.rstrip("/") == root:
                return ""
            if not text.startswith(root + "/"):
                raise self._escape(path)
            text = text[len(root) + 1:]
        text = text.lstrip("/")
        norm = posixpath.normpath(text) if text else ""
        if norm == ".." or norm.startswith("../"):
            raise self._escape(path)
        return "" if norm == "." else norm

    def resolve(self, path: str) -> str:
        rel = self._relative(path)
        return f"{self.root_uri}/{rel}" if rel else self.root_uri

    def _escape(self, path: str) -> ConnectionFailure:
        return ConnectionFailure(
            f"connection '{self.name}': path '{path}' is outside the connection's base "
            f"'{self.root_uri}'. Use a path inside it (no '..'), or change base_path."
        )

    # --- credentials ---------------------------------------------------------------------------
    def _require(self) -> None:
        cfg = self.config
        missing = [k for k in _NEEDS[cfg.auth_mode] if not getattr(cfg, k)]
        if missing:
            raise ConnectionFailure(
                f"connection '{self.name}': auth_mode '{cfg.auth_mode}' needs {', '.join(missing)}; "
                "set them (from ${ENV} variables, never literally in the YAML)."
            )

    @property
    def storage_options(self) -> dict[str, str]:
        """Credentials in the key names delta-rs (object_store) uses for Azure.

        managed_identity adds nothing: object_store falls back to the machine's managed identity
        when no other credential is given.
        """
        self._require()
        cfg = self.config
        opts = {"account_name": cfg.account_name}
        if cfg.auth_mode == "account_key":
            opts["account_key"] = cfg.account_key
        elif cfg.auth_mode == "sas":
            opts["sas_token"] = cfg.sas_token.lstrip("?")
        elif cfg.auth_mode == "service_principal":
            opts.update(tenant_id=cfg.tenant_id, client_id=cfg.client_id, client_secret=cfg.client_secret)
        elif cfg.auth_mode == "key_vault":
            opts["account_key"] = self._key_from_vault()
        return opts

    def _key_from_vault(self) -> str:
        """Account key kept in Azure Key Vault (needs azure-identity and azure-keyvault-secrets)."""
        if self._vault_key is None:
            try:
                identity = importlib.import_module("azure.identity")
                kv = importlib.import_module("azure.keyvault.secrets")
            except ImportError:
                raise ConnectionFailure(
                    f"connection '{self.name}': auth_mode 'key_vault' needs the packages azure-identity and "
                    "azure-keyvault-secrets; install them with `pip install azure-identity azure-keyvault-secrets`."
                ) from None
            client = kv.SecretClient(f"https://{self.config.key_vault_name}.vault.azure.net",
                                     identity.DefaultAzureCredential())
            self._vault_key = client.get_secret(self.config.secret_name).value
            secrets.register(self._vault_key)
        return self._vault_key

    def _filesystem(self) -> Any:
        try:
            adlfs = importlib.import_module("adlfs")
        except ImportError:
            raise ConnectionFailure(
                f"connection '{self.name}': listing files on Azure needs the 'adlfs' package, which is not "
                "installed. Install it with `pip install adlfs`."
            ) from None
        opts = dict(self.storage_options)
        if self.config.auth_mode == "managed_identity":
            opts["anon"] = False  # adlfs then uses DefaultAzureCredential (the managed identity)
        return adlfs.AzureBlobFileSystem(**opts)

    # --- listing and health --------------------------------------------------------------------
    def glob(self, pattern: str) -> list[str]:
        fs = self._filesystem()
        rel = self._relative(pattern)
        prefix = "/".join(p for p in (self.config.container, self.config.base_path.strip("/")) if p)
        full = f"{prefix}/{rel}" if rel else prefix
        try:
            if not (set(rel) & _MAGIC):
                if fs.isdir(full) or fs.isfile(full):
                    return [self.resolve(rel)]
                return []
            found = fs.glob(full, detail=True)
        except Exception as exc:  # noqa: BLE001 - azure SDK errors vary by cause
            raise ConnectionFailure(
                f"connection '{self.name}': listing '{pattern}' under {self.root_uri} failed: "
                f"{secrets.mask(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}"
            ) from None
        files = [name for name, info in found.items() if info.get("type") == "file"]
        return sorted(self.resolve(name[len(prefix) + 1:]) for name in files)

    def check(self) -> HealthResult:
        start = time.perf_counter()
        try:
            fs = self._filesystem()
            fs.ls("/".join(p for p in (self.config.container, self.config.base_path.strip("/")) if p))
        except ConnectionFailure as exc:
            return HealthResult(False, str(exc), (time.perf_counter() - start) * 1000)
        except Exception as exc:  # noqa: BLE001 - auth, DNS, missing container...
            detail = secrets.mask(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return HealthResult(False, f"{self.root_uri} is not reachable: {detail}",
                                (time.perf_counter() - start) * 1000)
        return HealthResult(True, f"{self.root_uri} is reachable", (time.perf_counter() - start) * 1000)
