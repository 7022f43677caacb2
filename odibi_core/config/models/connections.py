"""Connection configs, one model per ``type``; the registry in odibi_core.connections uses them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel


class LocalConnectionConfig(StrictModel):
    type: Literal["local"]
    base_path: str = "."
    description: str | None = None


class SqlConnectionConfig(StrictModel):
    """Any SQLAlchemy database. Give ``url`` or the parts (host, port, database, ...)."""

    type: Literal["sql", "sqlite", "postgres", "postgresql", "sql_server", "azure_sql", "mysql"]
    url: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    path: str | None = None  # sqlite file, relative to the project folder
    username: str | None = None
    password: str | None = None
    driver: str | None = None
    db_schema: str | None = Field(default=None, alias="schema")
    options: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None

    @model_validator(mode="after")
    def _needs_target(self):
        if self.type == "sqlite" and not (self.url or self.path or self.database):
            raise ValueError("a sqlite connection needs 'path' (or 'url')")
        if self.type not in ("sqlite", "sql") and not (self.url or self.host):
            raise ValueError(f"a {self.type} connection needs 'host' (or 'url')")
        if self.type == "sql" and not self.url:
            raise ValueError("a generic sql connection needs 'url' (a SQLAlchemy URL)")
        return self


class HttpAuthConfig(StrictModel):
    mode: Literal["none", "basic", "bearer", "api_key"] = "none"
    username: str | None = None
    password: str | None = None
    token: str | None = None
    api_key: str | None = None
    header: str = "X-API-Key"
    in_: Literal["header", "query"] = Field(default="header", alias="in")
    param: str = "api_key"

    @model_validator(mode="after")
    def _complete(self):
        need = {"basic": ("username", "password"), "bearer": ("token",), "api_key": ("api_key",)}
        for field in need.get(self.mode, ()):
            if getattr(self, field) in (None, ""):
                raise ValueError(f"auth mode '{self.mode}' needs '{field}'")
        return self


class HttpConnectionConfig(StrictModel):
    type: Literal["http"]
    base_url: str
    headers: dict[str, str] = Field(default_factory=dict)
    auth: HttpAuthConfig = Field(default_factory=HttpAuthConfig)
    timeout: float = 30.0
    max_retries: int = Field(default=3, ge=0, le=20)
    backoff_seconds: float = Field(default=0.5, ge=0)
    verify_ssl: bool = True
    description: str | None = None


class AzureBlobConnectionConfig(StrictModel):
    type: Literal["azure_blob", "adls"]
    account_name: str
    container: str
    base_path: str = ""
    auth_mode: Literal["account_key", "sas", "service_principal", "managed_identity", "key_vault"] = "account_key"
    account_key: str | None = None
    sas_token: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    key_vault_name: str | None = None
    secret_name: str | None = None
    description: str | None = None


class DeltaCatalogConnectionConfig(StrictModel):
    type: Literal["delta"]
    catalog: str | None = None
    db_schema: str = Field(default="default", alias="schema")
    description: str | None = None


ConnectionConfig = Annotated[
    Union[
        LocalConnectionConfig,
        SqlConnectionConfig,
        HttpConnectionConfig,
        AzureBlobConnectionConfig,
        DeltaCatalogConnectionConfig,
    ],
    Field(discriminator="type"),
]

CONNECTION_TYPES = ("local", "sql", "sqlite", "postgres", "postgresql", "sql_server", "azure_sql", "mysql",
                    "http", "azure_blob", "adls", "delta")
